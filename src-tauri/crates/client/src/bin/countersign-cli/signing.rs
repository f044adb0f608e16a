//! `countersign-cli`'s electronic signatures (docs/cli.md; docs/protocol.md, "Signatures"): the
//! `signing` subcommand, `decide --sign`, and where the PIN comes from.

use anyhow::{Context, bail};
use clap::Subcommand;
use countersign_client::remote::QueueClient;
use countersign_client::secrets::OsKeyring;
use countersign_client::signing::{self, DecisionSigner, SigningError};
use countersign_domain::Item;

#[derive(Debug, Subcommand)]
pub enum SigningCommand {
    /// Set your signing PIN on the queue (read from COUNTERSIGN_PIN, else asked for twice) and
    /// register this device's signing key, sealed by it in the OS keyring.
    SetPin {
        /// Change a PIN already set: the current one is read from COUNTERSIGN_CURRENT_PIN, else asked for.
        #[arg(long)]
        change: bool,
    },
}

/// The environment variable a signing PIN is read from instead of a prompt (scripts, tests).
pub const PIN_ENV: &str = "COUNTERSIGN_PIN";
/// The current PIN, for `signing set-pin --change`.
const CURRENT_PIN_ENV: &str = "COUNTERSIGN_CURRENT_PIN";

/// A PIN from `env`, else typed at the terminal without echo.
fn read_pin(env: &str, prompt: &str) -> anyhow::Result<String> {
    match std::env::var(env) {
        Ok(pin) if !pin.is_empty() => Ok(pin),
        _ => rpassword::prompt_password(prompt)
            .with_context(|| format!("cannot read the PIN; set {env} when there is no terminal")),
    }
}

/// What signs `decide --sign`: this device's key, unsealed by the PIN (offline too, when the sealed
/// key's own record names the signer), or a new one registered with the queue.
pub async fn signer(remote: &QueueClient) -> anyhow::Result<DecisionSigner> {
    let pin = read_pin(PIN_ENV, "signing PIN: ")?;
    let me = remote.me().await.ok();
    Ok(signing::signer(remote, &OsKeyring, me.as_ref(), &pin).await?)
}

/// `signing …`.
pub async fn run(remote: &QueueClient, command: SigningCommand) -> anyhow::Result<()> {
    let SigningCommand::SetPin { change } = command;
    let current = change
        .then(|| read_pin(CURRENT_PIN_ENV, "current signing PIN: "))
        .transpose()?;
    let pin = match std::env::var(PIN_ENV) {
        Ok(pin) if !pin.is_empty() => pin,
        _ => {
            let pin = read_pin(PIN_ENV, "new signing PIN: ")?;
            if read_pin(PIN_ENV, "the same PIN again: ")? != pin {
                bail!("the two PINs differ; nothing was changed");
            }
            pin
        }
    };
    let me = remote.me().await?;
    signing::set_pin(remote, &OsKeyring, &me, &pin, current.as_deref()).await?;
    println!("signing PIN set; this device's signing key is registered");
    Ok(())
}

/// What to do about a signing failure, in this CLI's commands.
pub fn hint(error: &SigningError) -> Option<String> {
    match error {
        SigningError::NoKey | SigningError::Locked => {
            Some("run `signing set-pin`, or sign while the queue is reachable".to_owned())
        }
        SigningError::Remote(error) => super::hints::remote_hint(error),
        SigningError::Credential(error) => super::hints::credential_hint(error),
        SigningError::WrongPin { .. } | SigningError::Damaged(_) => None,
    }
}

/// What `show` prints about signatures: the item's requirement and each signed decision's manifest.
pub fn describe(item: &Item) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(requirement) = &item.signature_required {
        let signers = requirement
            .signers_team
            .as_deref()
            .map(|team| format!(" by a member of team {team}"))
            .unwrap_or_default();
        lines.push(format!(
            "approvals must be signed{signers}, meaning {}: decide with --sign",
            requirement.meaning.as_str()
        ));
    }
    for decision in &item.decisions {
        if let Some(manifest) = &decision.signature {
            lines.push(format!(
                "{:?} by {}: signed by {}, meaning {}, at {}",
                decision.action,
                decision.by,
                manifest.signer_name,
                manifest.meaning.as_str(),
                manifest.signed_at.to_rfc3339()
            ));
        }
    }
    lines
}
