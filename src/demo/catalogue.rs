//! What generated runs are made of: the deterministic dice, realistic Intune policies and
//! Graph failures, and the shapes and lives a run's records can take.

use chrono::Duration;
use serde_json::Value;

/// A tiny deterministic generator (xorshift64*), so the demo is the same on every machine.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `per_mille / 1000`.
    pub(super) fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// An index into `weights`, chosen in proportion to them.
    pub(super) fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut x = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        0
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        // Callers pass non-empty constant tables.
        &items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }

    /// Seconds in `lo..hi`.
    pub(super) fn secs(&mut self, lo: i64, hi: i64) -> Duration {
        let span = u64::try_from(hi - lo).unwrap_or(1).max(1);
        Duration::seconds(lo + i64::try_from(self.below(span)).unwrap_or(0))
    }
}

/// Realistic Intune policies (type, display name). The length is prime, so any stride walks
/// distinct entries.
pub(super) const POLICIES: [(&str, &str); 59] = [
    ("deviceConfiguration", "Win11 Security Baseline"),
    ("deviceConfiguration", "Windows 11 - BitLocker Encryption"),
    ("deviceConfiguration", "Windows - Wi-Fi Corp-Secure"),
    ("deviceConfiguration", "Windows - VPN AlwaysOn"),
    ("deviceConfiguration", "Windows - Defender Firewall"),
    ("deviceConfiguration", "Windows - Delivery Optimization"),
    ("deviceConfiguration", "Windows - Kiosk Lockdown"),
    ("deviceConfiguration", "macOS - FileVault"),
    ("deviceConfiguration", "macOS - Gatekeeper & System Extensions"),
    ("deviceConfiguration", "iOS - Device Restrictions"),
    ("deviceConfiguration", "iOS - Wi-Fi Guest"),
    ("deviceConfiguration", "Android Enterprise - Work Profile Restrictions"),
    ("deviceConfiguration", "Android Enterprise - Dedicated Devices"),
    ("deviceConfiguration", "Windows - SCEP Certificate (User)"),
    ("deviceConfiguration", "Windows - Trusted Root CA"),
    ("compliancePolicy", "iOS Compliance"),
    ("compliancePolicy", "Windows 10/11 Compliance - Corporate"),
    ("compliancePolicy", "Windows Compliance - BitLocker + Secure Boot"),
    ("compliancePolicy", "Android Enterprise Compliance"),
    ("compliancePolicy", "macOS Compliance - FileVault required"),
    ("compliancePolicy", "iPadOS Compliance - Shared Devices"),
    ("settingsCatalog", "Edge Hardening"),
    ("settingsCatalog", "Microsoft Edge - Security Baseline"),
    ("settingsCatalog", "OneDrive Known Folder Move"),
    ("settingsCatalog", "Windows LAPS"),
    ("settingsCatalog", "Office Apps - Macro Hardening"),
    ("settingsCatalog", "Defender for Endpoint - ASR Rules"),
    ("settingsCatalog", "Windows - Start Menu Layout"),
    ("settingsCatalog", "Teams - Meeting Policies (Device)"),
    ("settingsCatalog", "Windows - Credential Guard"),
    ("settingsCatalog", "macOS - Platform SSO"),
    ("configurationPolicy", "Windows Hello for Business"),
    ("configurationPolicy", "Endpoint Security - Attack Surface Reduction"),
    ("configurationPolicy", "Account Protection - LSA"),
    ("configurationPolicy", "Firewall Rules - Corp"),
    ("configurationPolicy", "Endpoint Detection and Response - Onboarding"),
    ("configurationPolicy", "Antivirus - Microsoft Defender"),
    ("windowsUpdateRing", "Update Ring - Pilot"),
    ("windowsUpdateRing", "Update Ring - Broad"),
    ("windowsUpdateRing", "Update Ring - Critical Servers"),
    ("windowsUpdateRing", "Update Ring - Insiders (IT)"),
    ("windowsUpdateRing", "Update Ring - Store Tills"),
    ("windowsFeatureUpdateProfile", "Feature Update - Windows 11 24H2"),
    ("windowsQualityUpdateProfile", "Expedited Quality Update - November"),
    ("appProtectionPolicy", "iOS MAM - Outlook & Teams"),
    ("appProtectionPolicy", "Android MAM - Corporate Data"),
    ("appProtectionPolicy", "Windows MAM - Edge"),
    ("appProtectionPolicy", "iOS MAM - BYOD Baseline"),
    ("mobileAppConfiguration", "Outlook iOS App Config"),
    ("mobileAppConfiguration", "Managed Google Play - Chrome Config"),
    ("deviceManagementScript", "Set Time Zone (PowerShell)"),
    ("deviceManagementScript", "Remove Bloatware (PowerShell)"),
    ("deviceHealthScript", "Remediation - Clear Teams Cache"),
    ("groupPolicyConfiguration", "ADMX - Office Trusted Locations"),
    ("windowsAutopilotDeploymentProfile", "Autopilot - User Driven (Entra joined)"),
    ("deviceEnrollmentConfiguration", "Enrollment Status Page - Default"),
    ("deviceEnrollmentConfiguration", "Windows Hello - Enrollment Defaults"),
    ("assignmentFilter", "Filter - Corporate Windows Devices"),
    ("roleScopeTag", "Scope Tag - EU Retail"),
];

pub(super) const FAILURES: [(&str, &str); 9] = [
    ("graph_400", "Property 'omaSettings[3].value' is read-only"),
    ("graph_400", "Invalid value for setting 'DeviceLock_MinDevicePasswordLength': 3 (minimum 4)"),
    ("graph_403_forbidden", "Insufficient privileges: DeviceManagementConfiguration.ReadWrite.All not granted"),
    ("graph_404_not_found", "Assignment target group 7c1e2f3a-0b4d-4e5f-8a9b-1c2d3e4f5a6b not found"),
    ("graph_409_conflict", "A policy with the same displayName already exists"),
    ("graph_429_throttled", "Too many requests. Retry after 30 seconds."),
    ("graph_429_throttled", "Request was throttled (tenant write quota exceeded)"),
    ("graph_500", "An internal server error occurred. Please retry the request."),
    ("graph_503_unavailable", "Service Unavailable. The service is temporarily overloaded."),
];

pub(super) const MANUAL: [&str; 4] = [
    "Assignment filter 'Corp devices' must be recreated by hand",
    "Certificate profile references a trusted root that is not in the backup",
    "Scope tag 'EU-Retail' does not exist in the target tenant",
    "App configuration targets an app that is not assigned in the target tenant",
];

pub(super) const SKIPS: [(Option<&str>, &str); 3] = [
    (Some("dependency_failed"), "Skipped: a policy it depends on failed"),
    (Some("excluded_by_scope"), "Excluded by restore scope"),
    (None, "Not selected for this restore"),
];

pub(super) const SOURCES: [&str; 4] = ["restore wizard", "api", "scheduled drill", "change request"];

/// Reconciled runs notify their initiator; the inbox keeps this many days.
pub(super) const NOTIFICATION_DAYS: i64 = 30;

/// Item counts 1..=8: most restores carry a few policies (about three on average).
pub(super) const ITEM_COUNT_WEIGHTS: [u64; 8] = [24, 22, 18, 12, 9, 7, 5, 3];

/// What the restore records of a generated run look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Clean,
    EvidenceMissing,
    EvidenceIncomplete,
    AuditGap,
    Mixed,
    NoneSucceeded,
    RestoreFailed,
    Blocked,
    NotStarted,
    NoItems,
    Interrupted,
}

pub(super) const SHAPES: [(Shape, u64); 11] = [
    (Shape::Clean, 560),
    (Shape::EvidenceMissing, 70),
    (Shape::EvidenceIncomplete, 60),
    (Shape::AuditGap, 30),
    (Shape::Mixed, 110),
    (Shape::NoneSucceeded, 30),
    (Shape::RestoreFailed, 40),
    (Shape::Blocked, 40),
    (Shape::NotStarted, 20),
    (Shape::NoItems, 10),
    (Shape::Interrupted, 30),
];

/// Gaps a legacy worker recorded as `succeeded` anyway (drift).
pub(super) const DRIFT_SHAPES: [Shape; 4] =
    [Shape::EvidenceMissing, Shape::EvidenceIncomplete, Shape::AuditGap, Shape::Mixed];

/// How the operation run ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Life {
    /// Completed by the reconciliation service: outcome from the proof.
    Reconciled,
    /// Completed by the worker with the outcome the proof supports (no reconciliation context).
    Worker,
    /// Completed `succeeded` by the old rule, proof says otherwise.
    Drift,
    /// Abandoned before execution.
    Cancelled,
    /// Never finished, long stale.
    Stale,
}

/// A provider response kept on some failed items; its credentials are for masking demos.
pub(super) fn throttled_payload() -> Value {
    serde_json::json!({
        "status": 429,
        "retryAfterSeconds": 30,
        "request": {
            "method": "PATCH",
            "url": "https://graph.microsoft.com/beta/deviceManagement/configurationPolicies",
            "headers": {"authorization": "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJkZW1vIjp0cnVlfQ.c2ln"}
        },
        "auth": {"client_id": "0f6c2d8e-7a41-4b3e-9c55-1d2e3f4a5b6c", "client_secret": "demo~NotARealSecret"}
    })
}
