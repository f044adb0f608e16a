//! Honest numbers for the oversight measures (docs/protocol.md, "Statistics"): every rate the queue
//! reports is an observed count over a number of trials with its Wilson 95% interval, and below
//! [`MIN_OBSERVATIONS`] trials it says "not enough data" instead of a rate. Written once here, used by
//! every report (gold accuracy, blind-read agreement and switches, audited error rates, overrides).

use serde::{Deserialize, Serialize};

/// Fewer trials than this and a rate is not reported: its interval would be too wide to act on.
pub const MIN_OBSERVATIONS: u64 = 30;

/// The standard normal quantile for a two-sided 95% interval.
const Z_95: f64 = 1.959_963_984_540_054;

/// A rate with its uncertainty, as every statistics endpoint reports it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RateEstimate {
    /// `successes` of `trials`, with the Wilson 95% interval `[low, high]` around `rate`.
    Estimated {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        successes: u64,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        trials: u64,
        rate: f64,
        low: f64,
        high: f64,
    },
    /// Fewer than `needed` trials: no rate is claimed.
    NotEnoughData {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        successes: u64,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        trials: u64,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        needed: u64,
    },
}

impl RateEstimate {
    /// The estimate of `successes` out of `trials` (successes are capped at trials).
    pub fn of(successes: u64, trials: u64) -> Self {
        let successes = successes.min(trials);
        if trials < MIN_OBSERVATIONS {
            return RateEstimate::NotEnoughData {
                successes,
                trials,
                needed: MIN_OBSERVATIONS,
            };
        }
        let (low, high) = wilson_interval(successes, trials, Z_95);
        RateEstimate::Estimated {
            successes,
            trials,
            rate: successes as f64 / trials as f64,
            low,
            high,
        }
    }

    pub fn trials(&self) -> u64 {
        match *self {
            RateEstimate::Estimated { trials, .. } | RateEstimate::NotEnoughData { trials, .. } => {
                trials
            }
        }
    }

    /// The interval's upper bound, when there is enough data to claim one.
    pub fn upper(&self) -> Option<f64> {
        match *self {
            RateEstimate::Estimated { high, .. } => Some(high),
            RateEstimate::NotEnoughData { .. } => None,
        }
    }

    /// The interval's lower bound, when there is enough data to claim one.
    pub fn lower(&self) -> Option<f64> {
        match *self {
            RateEstimate::Estimated { low, .. } => Some(low),
            RateEstimate::NotEnoughData { .. } => None,
        }
    }
}

/// A rate as people read it: `3.1% (1.2–7.4%, n=120)`, or `not enough data (12 of 30)`; the
/// CLI's reports and the desktop's notices write it so.
impl std::fmt::Display for RateEstimate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            RateEstimate::Estimated {
                trials,
                rate,
                low,
                high,
                ..
            } => write!(
                f,
                "{:.1}% ({:.1}–{:.1}%, n={trials})",
                rate * 100.0,
                low * 100.0,
                high * 100.0
            ),
            RateEstimate::NotEnoughData { trials, needed, .. } => {
                write!(f, "not enough data ({trials} of {needed})")
            }
        }
    }
}

/// The Wilson score interval of a binomial proportion (Wilson, 1927): unlike the normal
/// approximation it stays inside [0, 1] and behaves at 0 and `trials` successes.
pub fn wilson_interval(successes: u64, trials: u64, z: f64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 1.0);
    }
    let n = trials as f64;
    let p = successes.min(trials) as f64 / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The width of one AI confidence band in reports (0.0–0.1, …, 0.9–1.0).
pub const CONFIDENCE_BAND_WIDTH: f64 = 0.1;

/// The lower edge of the confidence band `confidence` falls in; 1.0 belongs to the top band.
pub fn confidence_band(confidence: f64) -> f64 {
    let bands = (1.0 / CONFIDENCE_BAND_WIDTH).round();
    let index = (confidence.clamp(0.0, 1.0) * bands)
        .floor()
        .min(bands - 1.0);
    index / bands
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_a_rate_with_its_interval_or_as_not_enough_data() {
        assert_eq!(
            RateEstimate::of(81, 263).to_string(),
            "30.8% (25.5–36.6%, n=263)"
        );
        assert_eq!(
            RateEstimate::of(12, 29).to_string(),
            "not enough data (29 of 30)"
        );
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-4
    }

    #[test]
    fn wilson_matches_published_values() {
        // 81 of 263: Wilson 95% interval 0.2553–0.3662 (Newcombe, 1998, example).
        let (low, high) = wilson_interval(81, 263, Z_95);
        assert!(close(low, 0.2553) && close(high, 0.3662), "{low} {high}");
        // 0 of 30 still has an upper bound; 30 of 30 a lower one.
        let (low, high) = wilson_interval(0, 30, Z_95);
        assert!(close(low, 0.0) && close(high, 0.1135), "{low} {high}");
        let (low, high) = wilson_interval(30, 30, Z_95);
        assert!(close(low, 0.8865) && close(high, 1.0), "{low} {high}");
    }

    #[test]
    fn too_few_trials_claim_no_rate() {
        assert_eq!(
            RateEstimate::of(20, 29),
            RateEstimate::NotEnoughData {
                successes: 20,
                trials: 29,
                needed: MIN_OBSERVATIONS
            }
        );
        let estimate = RateEstimate::of(27, 30);
        assert!(matches!(estimate, RateEstimate::Estimated { rate, .. } if close(rate, 0.9)));
        assert!(estimate.lower().is_some_and(|l| l < 0.9));
        assert!(estimate.upper().is_some_and(|h| h > 0.9));
        assert_eq!(RateEstimate::of(5, 2).trials(), 2);
    }

    #[test]
    fn confidence_bands_are_tenths() {
        assert_eq!(confidence_band(0.0), 0.0);
        assert_eq!(confidence_band(0.85), 0.8);
        assert_eq!(confidence_band(0.9), 0.9);
        assert_eq!(confidence_band(1.0), 0.9);
        assert_eq!(confidence_band(0.3), 0.3);
    }

    #[test]
    fn the_wire_shape_says_which_it_is() {
        let json = serde_json::to_value(RateEstimate::of(3, 10)).expect("serialises");
        assert_eq!(json["status"], "not_enough_data");
        let json = serde_json::to_value(RateEstimate::of(30, 40)).expect("serialises");
        assert_eq!(json["status"], "estimated");
    }
}
