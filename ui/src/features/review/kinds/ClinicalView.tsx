import { formatAge, formatDateTime, formatScalar, humanizeKey } from "../../../lib/format";
import { EvidenceList, Signals } from "../ProposalPanel";
import { asRecord, asString } from "../StructuredValue";
import { Card, Field, list, text } from "./fields";
import type { KindViewProps } from "./registry";

/** The newest lab's time, if any lab has one. */
function newestLab(labs: Record<string, unknown>[]): string | undefined {
  const times = labs.map((l) => asString(l.taken_at)).filter((t): t is string => t !== undefined && !Number.isNaN(Date.parse(t)));
  return times.sort((a, b) => Date.parse(b) - Date.parse(a))[0];
}

export function ClinicalView({ item, now }: KindViewProps) {
  const p = asRecord(item.payload);
  const patient = asRecord(p.patient);
  const renal = asRecord(patient.renal_function);
  const out = asRecord(item.ai.output);
  const order = asRecord(out.order);
  const labs = Array.isArray(patient.recent_labs) ? patient.recent_labs.map(asRecord) : [];
  const allergies = Array.isArray(patient.allergies) ? patient.allergies : [];
  const warnings = Array.isArray(out.warnings) ? out.warnings : [];
  const contraindications = Array.isArray(p.contraindications) ? p.contraindications : [];
  return (
    <div className="kind-view" data-testid="view-clinical_suggestion">
      {/* What a prescriber checks before anything else, above the fold. */}
      <section className="safety-strip" aria-labelledby="safety-h" data-testid="safety-strip">
        <h3 id="safety-h" className="sr-only">
          Patient safety
        </h3>
        <dl>
          <div className={allergies.length ? "strip-danger" : undefined}>
            <dt>Allergies</dt>
            <dd>{allergies.length ? list(allergies) : "None recorded"}</dd>
          </div>
          <div>
            <dt>Current medicines</dt>
            <dd>{list(patient.medications)}</dd>
          </div>
          <div>
            <dt>Renal function</dt>
            <dd>
              eGFR {text(renal.egfr)} {text(renal.unit)}
            </dd>
          </div>
          <div>
            <dt>Labs taken</dt>
            <dd>{formatAge(newestLab(labs), now)}</dd>
          </div>
        </dl>
      </section>
      <section className="hero clinical-hero">
        <div className="hero-kicker">{text(p.question)}</div>
        <div className="suggestion" data-testid="ai-output">
          {asString(out.suggestion) ?? "—"}
        </div>
        {Object.keys(order).length > 0 && (
          <dl className="order">
            {Object.entries(order).map(([k, v]) => (
              <Field key={k} label={humanizeKey(k)}>
                {text(v)}
              </Field>
            ))}
          </dl>
        )}
        {warnings.length > 0 && (
          <ul className="warnings" aria-label="AI warnings">
            {warnings.map((w, i) => (
              <li key={i}>{formatScalar(w)}</li>
            ))}
          </ul>
        )}
        {out.monitoring !== undefined && <p className="muted">Monitoring: {text(out.monitoring)}</p>}
      </section>
      <div className="cards">
        <Card title="Patient" className="wide">
          <Field label="Reference">{text(patient.ref)}</Field>
          <Field label="Age / sex">
            {text(patient.age)} / {text(patient.sex)}
          </Field>
          <Field label="Weight">{patient.weight_kg !== undefined ? `${text(patient.weight_kg)} kg` : "—"}</Field>
          <Field label="Setting">{text(p.setting)}</Field>
          <Field label="Conditions">{list(patient.conditions)}</Field>
          <Field label="Medications">{list(patient.medications)}</Field>
          <Field label="Allergies" testId="clin-allergies">
            <span className={allergies.length ? "flag-danger" : undefined}>{allergies.length ? list(allergies) : "None recorded"}</span>
          </Field>
          <Field label="Renal function">
            eGFR {text(renal.egfr)} {text(renal.unit)}
          </Field>
        </Card>
        <section className="card">
          <h3>Contraindications</h3>
          <ul className="contra" data-testid="contraindications">
            {contraindications.length === 0 && <li>None listed</li>}
            {contraindications.map((c, i) => (
              <li key={i}>{formatScalar(c)}</li>
            ))}
          </ul>
        </section>
      </div>
      {labs.length > 0 && (
        <section className="panel" aria-labelledby="labs-h">
          <h3 id="labs-h">Recent labs</h3>
          <table className="signals">
            <thead>
              <tr>
                <th scope="col">Test</th>
                <th scope="col">Value</th>
                <th scope="col">Taken</th>
              </tr>
            </thead>
            <tbody>
              {labs.map((l, i) => (
                <tr key={i}>
                  <td>{text(l.name)}</td>
                  <td className="num">
                    {text(l.value)} {text(l.unit)}
                  </td>
                  <td>{formatDateTime(asString(l.taken_at))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <Signals signals={item.ai.signals} />
      <EvidenceList evidence={item.ai.evidence} />
    </div>
  );
}
