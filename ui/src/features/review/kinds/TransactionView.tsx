import { formatDateTime, formatMoney, humanizeKey } from "../../../lib/format";
import { InfoTip } from "../InfoTip";
import { t } from "../../../i18n";
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
          {merchant.mcc !== undefined && <span>{t("txn.mcc", { mcc: text(merchant.mcc) })}</span>}
          <span className={abroad ? "flag-warn" : undefined} data-testid="txn-country">
            {country ?? "—"}
            {abroad ? ` ${t("txn.abroad")}` : ""}
          </span>
          <span>{p.card_present === true ? t("txn.cardPresent") : t("txn.cardNotPresent")}</span>
          {p.attempted_at !== undefined && <span>{formatDateTime(asString(p.attempted_at))}</span>}
        </div>
        {verdict && (
          <div className={`verdict verdict-${verdict}`} data-testid="ai-output">
            <span className="verdict-label">{t("txn.aiProposes")}</span>
            <strong>{humanizeKey(verdict)}</strong>
            {typeof out.score === "number" && (
              <span className="score">
                {t("txn.score", { score: out.score.toFixed(2) })} <InfoTip topic="score" />
              </span>
            )}
          </div>
        )}
      </section>
      <div className="cards">
        <Card title={t("txn.device")}>
          <Field label={t("txn.deviceStatus")}>
            <span className={device.status === "new" ? "flag-warn" : undefined}>{text(device.status)}</span>
          </Field>
          <Field label={t("txn.os")}>{text(device.os)}</Field>
          <Field label={t("txn.firstSeen")}>{device.first_seen_days_ago === 0 ? t("txn.today") : t("time.daysAgo", { count: Number(device.first_seen_days_ago) })}</Field>
          <Field label={t("txn.fingerprint")}>
            <code>{text(device.fingerprint)}</code>
          </Field>
        </Card>
        <Card title={t("txn.customer")}>
          <Field label={t("txn.accountAge")}>{t("txn.days", { count: Number(customer.account_age_days), n: text(customer.account_age_days) })}</Field>
          <Field label={t("txn.usualCountries")}>{list(customer.usual_countries)}</Field>
          <Field label={t("txn.averageTicket")}>{formatMoney(customer.avg_ticket, p.currency)}</Field>
          <Field label={t("txn.chargebacks")}>
            <span className={Number(customer.chargebacks) > 0 ? "flag-warn" : undefined}>{text(customer.chargebacks)}</span>
          </Field>
        </Card>
        <Card title={t("txn.payment")}>
          <Field label={t("txn.channel")}>{humanizeKey(asString(p.channel) ?? "—")}</Field>
          <Field label={t("txn.card")}>
            {text(card.network)} •••• {text(card.last4)}
          </Field>
          <Field label={t("txn.merchantCountry")}>{text(merchant.country)}</Field>
          {Array.isArray(out.reason_codes) && <Field label={t("txn.reasonCodes")}>{out.reason_codes.map((c) => humanizeKey(String(c))).join(", ") || t("value.none")}</Field>}
        </Card>
      </div>
      <Signals signals={item.ai.signals} />
      <EvidenceList evidence={item.ai.evidence} />
    </div>
  );
}
