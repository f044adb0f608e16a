import { formatAge, formatDateTime, formatScalar, humanizeKey } from "../../../lib/format";
import { EvidenceList, Signals } from "../ProposalPanel";
import { asRecord, asString } from "../StructuredValue";
import { Card, Field, list, text } from "./fields";
import type { KindViewProps } from "./registry";
import { t } from "../../../i18n";

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
          {t("clin.safety")}
        </h3>
        <dl>
          <div className={allergies.length ? "strip-danger" : undefined}>
            <dt>{t("clin.allergies")}</dt>
            <dd>{allergies.length ? list(allergies) : t("clin.noneRecorded")}</dd>
          </div>
          <div>
            <dt>{t("clin.currentMedicines")}</dt>
            <dd>{list(patient.medications)}</dd>
          </div>
          <div>
            <dt>{t("clin.renal")}</dt>
            <dd>{t("clin.egfr", { value: text(renal.egfr), unit: text(renal.unit) })}</dd>
          </div>
          <div>
            <dt>{t("clin.labsTaken")}</dt>
            <dd>{formatAge(newestLab(labs), now)}</dd>
          </div>
        </dl>
      </section>
      <section className="hero clinical-hero">
        <div className="hero-kicker">{text(p.question)}</div>
        {/* Withheld (null) while the case is read blind first. */}
        {item.ai.output !== null && (
          <div className="suggestion" data-testid="ai-output">
            {asString(out.suggestion) ?? "—"}
          </div>
        )}
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
          <ul className="warnings" aria-label={t("clin.aiWarnings")}>
            {warnings.map((w, i) => (
              <li key={i}>{formatScalar(w)}</li>
            ))}
          </ul>
        )}
        {out.monitoring !== undefined && <p className="muted">{t("clin.monitoring", { text: text(out.monitoring) })}</p>}
      </section>
      <div className="cards">
        <Card title={t("clin.patient")} className="wide">
          <Field label={t("clin.reference")}>{text(patient.ref)}</Field>
          <Field label={t("clin.ageSex")}>
            {text(patient.age)} / {text(patient.sex)}
          </Field>
          <Field label={t("clin.weight")}>{patient.weight_kg !== undefined ? t("clin.kg", { n: text(patient.weight_kg) }) : t("value.empty")}</Field>
          <Field label={t("clin.setting")}>{text(p.setting)}</Field>
          <Field label={t("clin.conditions")}>{list(patient.conditions)}</Field>
          <Field label={t("clin.medications")}>{list(patient.medications)}</Field>
          <Field label={t("clin.allergies")} testId="clin-allergies">
            <span className={allergies.length ? "flag-danger" : undefined}>{allergies.length ? list(allergies) : t("clin.noneRecorded")}</span>
          </Field>
          <Field label={t("clin.renal")}>{t("clin.egfr", { value: text(renal.egfr), unit: text(renal.unit) })}</Field>
        </Card>
        <section className="card">
          <h3>{t("clin.contraindications")}</h3>
          <ul className="contra" data-testid="contraindications">
            {contraindications.length === 0 && <li>{t("clin.noneListed")}</li>}
            {contraindications.map((c, i) => (
              <li key={i}>{formatScalar(c)}</li>
            ))}
          </ul>
        </section>
      </div>
      {labs.length > 0 && (
        <section className="panel" aria-labelledby="labs-h">
          <h3 id="labs-h">{t("clin.labs")}</h3>
          <table className="signals">
            <thead>
              <tr>
                <th scope="col">{t("clin.test")}</th>
                <th scope="col">{t("proposal.value")}</th>
                <th scope="col">{t("clin.taken")}</th>
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
