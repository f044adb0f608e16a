// Fails when the production bundle (dist/) carries the fake backend or its sample data: the fake is for
// development and tests only (src/lib/backend/index.ts loads it dynamically under import.meta.env.DEV).
// Run by `npm run build` after vite.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dist = join(root, "dist");

// Strings found only in the fake and its sample data.
const markers = ["FakeBackend", "__countersignFake", "Demo Senior", "Voltaic Electronics", "Quietline headphones", "clin-assist-2", "hostile-1"];
const fixture = join(root, "src/lib/backend/demoFixture.json");
if (existsSync(fixture)) {
  const { items } = JSON.parse(readFileSync(fixture, "utf8"));
  for (const item of items.slice(0, 5)) markers.push(item.title);
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

if (!existsSync(dist)) {
  console.error("check-dist: no dist/ (run vite build first)");
  process.exit(1);
}
const found = files(dist).flatMap((path) => {
  const text = readFileSync(path, "utf8");
  return markers.filter((m) => text.includes(m)).map((m) => `${path.slice(root.length)}: ${JSON.stringify(m)}`);
});
if (found.length > 0) {
  console.error(`check-dist: the production bundle carries development-only sample data:\n  ${found.join("\n  ")}`);
  process.exit(1);
}
console.log(`check-dist: ${markers.length} sample-data markers, none in dist/`);
