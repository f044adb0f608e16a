import { formatDateTime, formatMoney, humanizeKey } from "../../../lib/format";
import { EXPLAIN, InfoTip } from "../InfoTip";
import { EvidenceList, Signals } from "../ProposalPanel";
import { asRecord, asString } from "../StructuredValue";
import { Card, Field, list, text } from "./fields";
import type { KindViewProps } from "./registry";

export function TransactionView({ item }: KindViewProps) {
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
            {typeof out.score === "number" && (
              <span className="score">
                score {out.score.toFixed(2)} <InfoTip about="the score" text={EXPLAIN.score} />
              </span>
            )}
          </div>
        )}
      </section>
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
