import type { Item } from "../../lib/backend";
import { formatDateTime, formatMoney, formatScalar, humanizeKey } from "../../lib/format";
import { EvidenceList, ProposalHeader, Signals } from "./ProposalPanel";
import { asRecord, asString, StructuredValue } from "./StructuredValue";

function Field({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="field">
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

function Card({ title, children, className = "" }: { title: string; children: React.ReactNode; className?: string }) {
  return (
    <section className={`card ${className}`}>
      <h3>{title}</h3>
      <dl className="fields">{children}</dl>
    </section>
  );
}

const text = (v: unknown) => formatScalar(v);
const list = (v: unknown) => (Array.isArray(v) ? v.map(formatScalar).join(", ") || "None" : formatScalar(v));

export function TransactionView({ item }: { item: Item }) {
  const p = asRecord(item.payload);
  const merchant = asRecord(p.merchant);
  const device = asRecord(p.device);
  const customer = asRecord(p.customer);
  const card = asRecord(p.card);
  const out = asRecord(item.ai.output);
  const usual = Array.isArray(customer.usual_countries) ? customer.usual_countries.map(String) : [];
  const country = asString(p.country);
  const abroad = country !== undefined && usual.length > 0 && !usual.includes(country);
  const verdict = asString(out.verdict);
  return (
    <div className="kind-view" data-testid="view-transaction">
      <section className="hero">
        <div className="amount" data-testid="txn-amount">
          {formatMoney(p.amount, p.currency)}
        </div>
        <div className="hero-sub">
          <strong>{text(merchant.name)}</strong>
          <span>{text(merchant.category)}</span>
          {merchant.mcc !== undefined && <span>MCC {text(merchant.mcc)}</span>}
          <span className={abroad ? "flag-warn" : undefined} data-testid="txn-country">
            {country ?? "—"}
            {abroad ? " (outside usual countries)" : ""}
          </span>
          <span>{p.card_present === true ? "Card present" : "Card not present"}</span>
          {p.attempted_at !== undefined && <span>{formatDateTime(asString(p.attempted_at))}</span>}
        </div>
        {verdict && (
          <div className={`verdict verdict-${verdict}`} data-testid="ai-output">
            <span className="verdict-label">AI proposes</span>
            <strong>{humanizeKey(verdict)}</strong>
            {typeof out.score === "number" && <span className="muted">score {out.score.toFixed(2)}</span>}
          </div>
        )}
      </section>
      <ProposalHeader item={item} />
      <div className="cards">
        <Card title="Device">
          <Field label="Status">
            <span className={device.status === "new" ? "flag-warn" : undefined}>{text(device.status)}</span>
          </Field>
          <Field label="OS">{text(device.os)}</Field>
          <Field label="First seen">{device.first_seen_days_ago === 0 ? "Today" : `${text(device.first_seen_days_ago)} days ago`}</Field>
          <Field label="Fingerprint">
            <code>{text(device.fingerprint)}</code>
          </Field>
        </Card>
        <Card title="Customer history">
          <Field label="Account age">{text(customer.account_age_days)} days</Field>
          <Field label="Usual countries">{list(customer.usual_countries)}</Field>
          <Field label="Average ticket">{formatMoney(customer.avg_ticket, p.currency)}</Field>
          <Field label="Chargebacks">
            <span className={Number(customer.chargebacks) > 0 ? "flag-warn" : undefined}>{text(customer.chargebacks)}</span>
          </Field>
        </Card>
        <Card title="Payment">
          <Field label="Channel">{humanizeKey(asString(p.channel) ?? "—")}</Field>
          <Field label="Card">
            {text(card.network)} •••• {text(card.last4)}
          </Field>
          <Field label="Merchant country">{text(merchant.country)}</Field>
          {Array.isArray(out.reason_codes) && <Field label="AI reason codes">{out.reason_codes.map((c) => humanizeKey(String(c))).join(", ") || "None"}</Field>}
        </Card>
      </div>
      <Signals signals={item.ai.signals} />
      <EvidenceList evidence={item.ai.evidence} />
    </div>
  );
}

export function ContentDraftView({ item, editor }: { item: Item; editor: React.ReactNode }) {
  const p = asRecord(item.payload);
  const brief = asRecord(p.brief);
  const { key_points: keyPoints, ...rest } = brief;
  return (
    <div className="kind-view" data-testid="view-content_draft">
      <section className="card brief" aria-labelledby="brief-h">
        <h3 id="brief-h">Brief</h3>
        <dl className="fields cols">
          {Object.entries(rest).map(([k, v]) => (
            <Field key={k} label={humanizeKey(k)}>
              {text(v)}
            </Field>
          ))}
          {p.locale !== undefined && <Field label="Locale">{text(p.locale)}</Field>}
        </dl>
        {Array.isArray(keyPoints) && (
          <>
            <h4>Key points</h4>
            <ul className="key-points">
              {keyPoints.map((k, i) => (
                <li key={i}>{formatScalar(k)}</li>
              ))}
            </ul>
          </>
        )}
        {Object.keys(p).some((k) => k !== "brief" && k !== "locale") && (
          <StructuredValue value={Object.fromEntries(Object.entries(p).filter(([k]) => k !== "brief" && k !== "locale"))} />
        )}
      </section>
      <ProposalHeader item={item} />
      {editor}
      <Signals signals={item.ai.signals} />
      <EvidenceList evidence={item.ai.evidence} />
    </div>
  );
}

export function ClinicalView({ item, signOff }: { item: Item; signOff: React.ReactNode }) {
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
      <ProposalHeader item={item} />
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
      {signOff}
    </div>
  );
}

export function GenericView({ item }: { item: Item }) {
  return (
    <div className="kind-view" data-testid="view-generic" data-kind={item.kind}>
      <section className="panel" aria-labelledby="output-h">
        <h3 id="output-h">AI proposal</h3>
        <div data-testid="ai-output">
          <StructuredValue value={item.ai.output} />
        </div>
      </section>
      <ProposalHeader item={item} />
      <section className="panel" aria-labelledby="payload-h">
        <h3 id="payload-h">Details</h3>
        <div data-testid="payload-view">
          <StructuredValue value={item.payload} />
        </div>
      </section>
      <Signals signals={item.ai.signals} />
      <EvidenceList evidence={item.ai.evidence} />
    </div>
  );
}
