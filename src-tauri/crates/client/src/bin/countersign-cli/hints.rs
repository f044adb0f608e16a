//! What to do next after an error, in this CLI's own flags and commands.

use countersign_client::decision::DecisionError;
use countersign_client::plan::PlanError;
use countersign_client::remote::RemoteError;
use countersign_client::search::QueryError;
use countersign_client::secrets::CredentialError;
use countersign_client::session::SessionError;
use countersign_client::shift::ShiftError;
use countersign_client::signing::SigningError;
use countersign_client::store::StoreError;
use countersign_client::sync::SyncError;

/// What to do next, in this CLI's flags and commands, by the kind of error.
pub(crate) fn hint(error: &anyhow::Error) -> Option<String> {
    error.chain().find_map(|cause| {
        if let Some(error) = cause.downcast_ref::<SyncError>() {
            return match error {
                SyncError::Store(error) => store_hint(error),
                SyncError::Remote(error) => remote_hint(error),
                SyncError::Plan(error) => plan_hint(error),
                SyncError::NoProgress(_) => None,
            };
        }
        if let Some(error) = cause.downcast_ref::<SessionError>() {
            return match error {
                SessionError::Store(error) => store_hint(error),
                SessionError::Remote(error) => remote_hint(error),
                SessionError::Credential(error) => credential_hint(error),
                SessionError::Signing(error) => super::signing::hint(error),
                SessionError::PinNeeded => Some("sign with --sign".to_owned()),
                SessionError::Settings(_) | SessionError::UnknownSigner => None,
            };
        }
        if let Some(error) = cause.downcast_ref::<ShiftError>() {
            return match error {
                ShiftError::Store(error) => store_hint(error),
                ShiftError::EmptyNote | ShiftError::NoteTooLong => {
                    Some("write the note for the next reviewer with --note TEXT".to_owned())
                }
            };
        }
        if let Some(error) = cause.downcast_ref::<StoreError>() {
            return store_hint(error);
        }
        if let Some(error) = cause.downcast_ref::<SigningError>() {
            return super::signing::hint(error);
        }
        if let Some(error) = cause.downcast_ref::<RemoteError>() {
            return remote_hint(error);
        }
        if let Some(error) = cause.downcast_ref::<CredentialError>() {
            return credential_hint(error);
        }
        cause.downcast_ref::<PlanError>().and_then(plan_hint)
    })
}

fn store_hint(error: &StoreError) -> Option<String> {
    Some(match error {
        StoreError::CreateDir { .. } => "choose a writable directory with --data-dir".to_owned(),
        StoreError::Migrate(_) => "use that newer version, or a fresh --data-dir".to_owned(),
        StoreError::NotHeld(_) => "run `sync` and then `list` to see what you hold".to_owned(),
        StoreError::ServerMismatch { bound, .. } => {
            format!("use --server {bound}, or a fresh --data-dir for the other server")
        }
        StoreError::InvalidDecision(DecisionError::MissingCorrection) => {
            "give the corrected output with --correction-file (or a --patch-file)".to_owned()
        }
        StoreError::InvalidDecision(DecisionError::MissingReason) => {
            "give a reason code with --reason".to_owned()
        }
        StoreError::InvalidDecision(DecisionError::MissingAttestation) => {
            "sign off with --attest TEXT or --attestation-file".to_owned()
        }
        StoreError::InvalidDecision(DecisionError::MissingSignature) => {
            format!(
                "sign with --sign (the PIN is read from {} or asked for)",
                super::PIN_ENV
            )
        }
        StoreError::Plan(error) => return plan_hint(error),
        StoreError::Query(QueryError::UnknownFilter { .. }) => {
            "run `sync` to fetch the kinds' filters, or quote the text (\"name:value\") to search for it"
                .to_owned()
        }
        _ => return None,
    })
}

pub(crate) fn remote_hint(error: &RemoteError) -> Option<String> {
    Some(match error {
        RemoteError::BadUrl(..) => "pass something like --server http://127.0.0.1:8470".to_owned(),
        RemoteError::Unauthorized => {
            "log in again with `countersign-cli login`, or set COUNTERSIGN_TOKEN".to_owned()
        }
        RemoteError::Decode(_) | RemoteError::TooLarge { .. } => {
            "check that --server points at a Countersign queue".to_owned()
        }
        _ => return None,
    })
}

pub(crate) fn credential_hint(error: &CredentialError) -> Option<String> {
    match error {
        CredentialError::NotLoggedIn(_) => {
            Some("run `countersign-cli login`, or set COUNTERSIGN_TOKEN".to_owned())
        }
        _ => None,
    }
}

fn plan_hint(error: &PlanError) -> Option<String> {
    match error {
        PlanError::ServerAhead { .. } => Some("use a fresh --data-dir for this server".to_owned()),
        _ => None,
    }
}

pub(crate) fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
