use crate::context::{Context, Res};
use crate::date::Date;
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::{AttributeFix, FixValue};
use encguard_model::{RdsDatabase, Spec, Unknown};

/// Server CAs that AWS has retired.
const RETIRED: &[&str] = &["rds-ca-2015", "rds-ca-2019"];
/// Server CAs that AWS lists as current; another, without its expiry, is unknown.
const CURRENT: &[&str] = &["rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"];

declare_rule! {
    /// ## What it checks
    /// DB instances use a current server CA: `ca_cert_identifier` is not a retired CA
    /// (`rds-ca-2015`, `rds-ca-2019`), and live, the server certificate is valid for more
    /// than `certificates.expiry_window_days`. Without the attribute new instances get
    /// `rds-ca-rsa2048-g1`, which is current. A CA that is neither retired nor one of the
    /// current ones (`rds-ca-rsa2048-g1`, `rds-ca-rsa4096-g1`, `rds-ca-ecc384-g1`) is judged
    /// by its certificate's expiry, and is unknown without it.
    ///
    /// ## Why
    /// Policy §7: clients that verify the server stop connecting when its certificate
    /// expires — and clients that do not verify are open to interception.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance" "orders" { ca_cert_identifier = "rds-ca-2019" }
    /// ```
    ///
    /// ## Fix
    /// Set `ca_cert_identifier` / `CACertificateIdentifier` to `rds-ca-rsa2048-g1` (or
    /// `rds-ca-rsa4096-g1`, `rds-ca-ecc384-g1`); live `aws rds modify-db-instance --ca-certificate-identifier`.
    RDS_010 {
        id: "RDS-010",
        title: "Database server certificates are current",
        severity: Severity::Medium,
        section: Section::Rds,
        fix: "Move the instance to a current server CA such as rds-ca-rsa2048-g1.",
        equivalents: &[("KICS", "CA certificate Identifier is outdated"), ("Prowler", "rds_instance_certificate_expiration")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, db) in ctx.all::<RdsDatabase>().filter(|(r, _)| matches!(r.spec, Spec::RdsInstance(_))) {
        out.judge(r, judge(ctx, r, db));
    }
}

fn judge(ctx: &Context, _r: Res, db: &RdsDatabase) -> Eval {
    let ca = db.ca_cert_identifier.or_default_to("rds-ca-rsa2048-g1".into())?;
    if RETIRED.contains(&ca.as_str()) {
        return Ok(Verdict::fail(format!("server CA {ca} is retired")).at(&db.ca_cert_identifier).evidence(&ca).fix(
            AttributeFix::set(
                Some("ca_cert_identifier"),
                Some("CACertificateIdentifier"),
                FixValue::Text("rds-ca-rsa2048-g1"),
            ),
        ));
    }
    if let Some(valid_till) = db.ca_cert_valid_till.value()? {
        let Some(date) = Date::parse(valid_till) else {
            return Err(Unknown::new(format!("certificate expiry `{valid_till}` is not a date")));
        };
        let days = ctx.today.days_until(date);
        if days <= ctx.policy.certificates.expiry_window_days {
            return Ok(Verdict::fail(format!("the server certificate expires on {date} ({days} days)"))
                .at(&db.ca_cert_valid_till));
        }
    }
    if db.ca_cert_valid_till.value()?.is_some() || CURRENT.contains(&ca.as_str()) {
        return Ok(Verdict::pass(format!("server CA {ca} is current")));
    }
    Err(Unknown::new(format!("server CA `{ca}` is not one AWS lists as current, and its expiry is not known")))
}

#[cfg(test)]
mod tests {
    use super::RDS_010;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn server_ca() {
        expect(
            &RDS_010,
            json!([
                {"kind": "rds_instance", "name": "default"},
                {"kind": "rds_instance", "name": "current", "ca_cert_identifier": "rds-ca-ecc384-g1"},
                {"kind": "rds_instance", "name": "retired", "ca_cert_identifier": "rds-ca-2019"},
                {"kind": "rds_instance", "name": "expiring", "ca_cert_identifier": "rds-ca-rsa2048-g1", "ca_cert_valid_till": "2026-12-05T00:00:00Z"},
                {"kind": "rds_instance", "name": "var", "ca_cert_identifier": {"unknown": "var.ca has no value"}},
                {"kind": "rds_instance", "name": "unlisted", "ca_cert_identifier": "rds-ca-default"},
                {"kind": "rds_instance", "name": "unlisted_dated", "ca_cert_identifier": "rds-ca-new", "ca_cert_valid_till": "2030-01-01T00:00:00Z"},
            ]),
            &[
                ("default", Pass),
                ("current", Pass),
                ("retired", Fail),
                ("expiring", Fail),
                ("var", Unknown),
                ("unlisted", Unknown),
                ("unlisted_dated", Pass),
            ],
        );
    }
}
