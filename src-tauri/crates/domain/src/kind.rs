//! Kinds as data (`PUT /v1/kinds/{kind}`, `GET /v1/kinds`): what a kind of work looks like, how the
//! app shows it and which reject reasons it allows. docs/protocol.md ("Kinds") is the contract.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What an admin registers for a kind (the body of `PUT /v1/kinds/{kind}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct KindSpec {
    /// One item ("Support reply").
    pub label: String,
    /// The inbox filter's option ("Support replies").
    pub plural: String,
    /// A JSON Schema (draft 2020-12) every submission's `payload` must satisfy.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub payload_schema: Value,
    /// A JSON Schema every submission's `ai.output`, and every correction, must satisfy.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub output_schema: Value,
    #[serde(default)]
    pub hints: DisplayHints,
    /// The codes a reject of this kind may carry, most specific first; the server refuses others.
    pub reason_codes: Vec<ReasonCode>,
    #[serde(default)]
    pub defaults: KindDefaults,
}

/// A registered kind as `GET /v1/kinds` lists it.
// Its OpenAPI schema is written out in `openapi` below rather than derived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KindDefinition {
    pub kind: String,
    #[serde(flatten)]
    pub spec: KindSpec,
    /// Grows by one at each registration of this kind.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub revision: i64,
    pub updated_at: DateTime<Utc>,
}

/// `GET /v1/kinds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KindList {
    pub kinds: Vec<KindDefinition>,
}

/// One reject reason: a stable code and the words the reviewer sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ReasonCode {
    pub code: String,
    pub label: String,
}

/// How the app lays out an item of the kind. Every `pointer` is a JSON Pointer (RFC 6901) from the
/// item's root: `/payload/merchant`, `/ai/output/reply`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct DisplayHints {
    /// The few facts shown first, in this order.
    #[serde(default)]
    pub headline: Vec<FieldHint>,
    /// Further fields, each in its own labelled section (the rest of the payload is listed below).
    #[serde(default)]
    pub sections: Vec<FieldHint>,
    /// Text fields under `/ai/output` the reviewer may edit; each edit is shown as a diff from the AI's.
    #[serde(default)]
    pub editable: Vec<FieldHint>,
    /// Fields that identify a customer, patient or account (related cases, search filters).
    #[serde(default)]
    pub identifiers: Vec<IdentifierHint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct FieldHint {
    pub pointer: String,
    pub label: String,
    #[serde(default)]
    pub format: FieldFormat,
    /// For `money`: a pointer to the ISO 4217 currency code beside the amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub currency_pointer: Option<String>,
}

/// How one field's value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FieldFormat {
    /// Labelled values, whatever the JSON (the default).
    #[default]
    Value,
    /// A paragraph of prose, line breaks kept.
    Text,
    /// A number shown as an amount of money (see `currency_pointer`).
    Money,
    /// An RFC 3339 date or timestamp, shown in the reviewer's locale with its age.
    Date,
    /// A unified diff, shown file by file with syntax highlighting.
    UnifiedDiff,
    /// An array of `{"author", "text", "at"?}` messages, shown as a conversation.
    Conversation,
    /// An array shown as a list (of strings, or of objects as labelled values).
    List,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct IdentifierHint {
    pub pointer: String,
    pub label: String,
    /// The search filter it answers to (`customer`, `merchant`, `patient`).
    pub filter: String,
}

/// Used when neither the producer nor a policy rule says otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct KindDefaults {
    /// A duration such as `4h`: the due date of an item submitted without `due_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub due_in: Option<String>,
}

/// The OpenAPI schema of [`KindDefinition`]: one object, the spec's properties beside `kind`,
/// `revision` and `updated_at`. Derived from the flattened field it would be `allOf` the spec, which
/// refuses unknown properties (`additionalProperties: false`), and those three: a schema no
/// definition satisfies, which response checks (scripts/fuzz-api.sh) rightly fail.
#[cfg(feature = "openapi")]
mod openapi {
    use std::borrow::Cow;

    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, Type};
    use utoipa::{PartialSchema, ToSchema};

    use super::{KindDefinition, KindSpec};

    fn field(schema_type: Type, format: Option<KnownFormat>, description: &str) -> RefOr<Schema> {
        let builder = ObjectBuilder::new()
            .schema_type(schema_type)
            .format(format.map(SchemaFormat::KnownFormat))
            .description(Some(description));
        RefOr::T(Schema::Object(builder.build()))
    }

    impl PartialSchema for KindDefinition {
        fn schema() -> RefOr<Schema> {
            let mut object = match KindSpec::schema() {
                RefOr::T(Schema::Object(object)) => object,
                _ => Object::new(),
            };
            object.additional_properties = None;
            object.description = Some(
                "A registered kind as `GET /v1/kinds` lists it: the spec's fields with its name, \
                 revision and time of registration."
                    .into(),
            );
            let fields = [
                ("kind", field(Type::String, None, "The kind's name.")),
                (
                    "revision",
                    field(
                        Type::Integer,
                        Some(KnownFormat::Int64),
                        "Grows by one at each registration of this kind.",
                    ),
                ),
                (
                    "updated_at",
                    field(
                        Type::String,
                        Some(KnownFormat::DateTime),
                        "When this revision was registered.",
                    ),
                ),
            ];
            for (name, schema) in fields {
                object.properties.insert(name.to_owned(), schema);
                object.required.push(name.to_owned());
            }
            RefOr::T(Schema::Object(object))
        }
    }

    impl ToSchema for KindDefinition {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("KindDefinition")
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            schemas.push((KindSpec::name().into_owned(), KindSpec::schema()));
            <KindSpec as ToSchema>::schemas(schemas);
        }
    }
}
