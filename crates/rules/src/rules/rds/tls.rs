use super::is_cluster_member;
use crate::context::{Context, Res};
use crate::rule::{declare_rule, Eval, FieldExt, Out, Section, Severity, Verdict};
use crate::{Fix, ParameterGroup, TlsParameter};
use encguard_model::{RdsDatabase, Spec, Unknown};

declare_rule! {
    /// ## What it checks
    /// Databases refuse unencrypted connections through their (cluster) parameter group:
    /// `rds.force_ssl = 1` for PostgreSQL, Aurora PostgreSQL and SQL Server;
    /// `require_secure_transport = 1` (or `ON`) for MySQL, MariaDB and Aurora MySQL. A
    /// database on the engine's default parameter group fails — default groups cannot be
    /// changed — except RDS for PostgreSQL 15 and later, whose default is `rds.force_ssl = 1`
    /// (without a version, RDS creates the current default, past 15). Aurora member
    /// instances take the cluster parameter group and are N/A; other engines are N/A.
    ///
    /// ## Why
    /// Policy §7 (in transit): RDS accepts plaintext connections unless the server refuses them.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance" "orders" { engine = "mysql" }   # default.mysql8.0
    /// ```
    ///
    /// ## Fix
    /// - Terraform: `aws_db_parameter_group { parameter { name = "rds.force_ssl"  value = "1" } }` and `parameter_group_name`.
    /// - CloudFormation: `AWS::RDS::DBParameterGroup` with `Parameters: {rds.force_ssl: 1}` and `DBParameterGroupName`.
    /// - Live: `aws rds modify-db-parameter-group … ParameterName=rds.force_ssl,ParameterValue=1`.
    ///
    /// `encguard fix` sets the parameter in the custom group the database uses, or gives a
    /// database on the default group a new group of its engine's family (known from its
    /// engine version) and names it on the database, which takes it when the change is
    /// applied (at once, or in the maintenance window) and it reboots. Live, `remediate`
    /// sets the parameter in the custom group (`immediate` when dynamic, `pending-reboot`
    /// when static, as SQL Server's is).
    RDS_009 {
        id: "RDS-009",
        title: "Databases require TLS connections",
        severity: Severity::High,
        section: Section::Rds,
        fix: "Use a custom parameter group that sets rds.force_ssl=1 or require_secure_transport=1.",
        equivalents: &[("Checkov", "CKV2_AWS_69"), ("Prowler", "rds_instance_transport_encrypted")],
    }
}

fn check(ctx: &Context, out: &mut Out) {
    for (r, db) in ctx.all::<RdsDatabase>() {
        out.judge(r, judge(ctx, r, db));
    }
}

/// Whether RDS for PostgreSQL of this version forces TLS in its default parameter group:
/// from major version 15 on. Without a version, RDS creates the current default, which is
/// past 15.
fn forces_tls_by_default(version: Option<&String>) -> bool {
    version.is_none_or(|v| v.split('.').next().and_then(|major| major.parse::<u32>().ok()).is_some_and(|m| m >= 15))
}

/// The parameter that forces TLS on an engine, and the values that turn it on.
fn tls_parameter(engine: &str) -> Option<(&'static str, &'static [&'static str])> {
    match engine {
        e if e == "postgres" || e == "aurora-postgresql" || e.starts_with("sqlserver") => {
            Some(("rds.force_ssl", &["1"]))
        }
        "mysql" | "mariadb" | "aurora-mysql" | "aurora" => Some(("require_secure_transport", &["1", "ON", "on"])),
        _ => None,
    }
}

fn judge(ctx: &Context, r: Res, db: &RdsDatabase) -> Eval {
    if is_cluster_member(r, db) {
        return Ok(Verdict::not_applicable("an Aurora member instance uses its cluster's parameter group"));
    }
    let engine = db.engine.or_default_to(String::new())?.to_ascii_lowercase();
    let Some((parameter, on)) = tls_parameter(&engine) else {
        return Ok(Verdict::not_applicable(format!("engine `{engine}` does not force TLS through a parameter group")));
    };
    let named = db.parameter_group.value()?;
    let is_default = |name: &str| name.starts_with("default.") || name.starts_with("default:");
    // A group the scan describes is judged by its parameters, a default one too (read live);
    // a default group the scan does not describe has the engine's defaults.
    let described = match named {
        Some(name) => ctx.lookup_where(r, name, |s| matches!(s, Spec::DbParameterGroup(_)))?,
        None => None,
    };
    // A default group cannot change: the fix gives the database a new group of its family
    // (an unknown version leaves the family unknown, never the verdict).
    let new_group = || {
        let family = family(&engine, db.engine_version.value().ok().flatten().map(String::as_str));
        fix(r, &engine, parameter, ParameterGroup::New { family, database: r.resource.location.clone() })
    };
    let (group_name, group, written) = match (named, described.map(|g| (&g.resource.spec, &g.resource.location))) {
        (Some(name), Some((Spec::DbParameterGroup(group), written))) => (name, group, written),
        (Some(name), _) if !is_default(name) => {
            return Err(Unknown::new(format!("parameter group `{name}` is not described in this scan")));
        }
        _ if engine == "postgres" && forces_tls_by_default(db.engine_version.value()?) => {
            return Ok(Verdict::pass("RDS for PostgreSQL 15 and later sets rds.force_ssl = 1 by default"));
        }
        (other, _) => {
            return Ok(Verdict::fail(format!("uses the default parameter group, which does not set {parameter}"))
                .at(&db.parameter_group)
                .evidence(other.map_or("(engine default)", String::as_str))
                .fix(new_group()));
        }
    };
    let custom = || match is_default(group_name) {
        true => new_group(),
        false => fix(r, &engine, parameter, ParameterGroup::Custom(written.clone())),
    };
    let parameters = group.parameters.or_default_to(Default::default())?;
    match parameters.get(parameter) {
        Some(v) if on.contains(&v.as_str()) => Ok(Verdict::pass(format!("{group_name} sets {parameter} = {v}"))),
        Some(v) => Ok(Verdict::fail(format!("{group_name} sets {parameter} = {v}"))
            .at(&db.parameter_group)
            .evidence(format!("{parameter} = {v}"))
            .fix(custom())),
        // A group that does not set the parameter keeps the engine's default.
        None if engine == "postgres" && forces_tls_by_default(db.engine_version.value()?) => {
            Ok(Verdict::pass(format!("{group_name} keeps PostgreSQL 15+'s default rds.force_ssl = 1")))
        }
        None => {
            Ok(Verdict::fail(format!("{group_name} does not set {parameter}")).at(&db.parameter_group).fix(custom()))
        }
    }
}

fn fix(r: Res, engine: &str, name: &'static str, group: ParameterGroup) -> Fix {
    let cluster = matches!(r.spec, Spec::RdsCluster(_));
    let pending_reboot = engine.starts_with("sqlserver");
    Fix::TlsParameter(TlsParameter { name, cluster, pending_reboot, group })
}

/// The parameter group family of an engine at a version (`postgres14`, `mysql8.0`,
/// `aurora-mysql8.0`, `sqlserver-se-15.0`): none without a version, or for one whose
/// family is not told by its numbers.
fn family(engine: &str, version: Option<&str>) -> Option<String> {
    let mut numbers = version?.split('.');
    let major: u32 = numbers.next()?.parse().ok()?;
    let minor = numbers.next().and_then(|m| m.parse::<u32>().ok());
    match engine {
        // From version 10 on, the family is the major version alone.
        "postgres" | "aurora-postgresql" if major >= 10 => Some(format!("{engine}{major}")),
        "postgres" | "aurora-postgresql" | "mysql" | "mariadb" | "aurora-mysql" => {
            Some(format!("{engine}{major}.{}", minor?))
        }
        e if e.starts_with("sqlserver-") => Some(format!("{engine}-{major}.0")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::RDS_009;
    use crate::testing::expect;
    use crate::Status::*;
    use serde_json::json;

    #[test]
    fn tls_through_parameter_groups() {
        expect(
            &RDS_009,
            json!([
                {"kind": "db_parameter_group", "name": "pg_tls", "handles": ["pg-tls"], "parameters": {"rds.force_ssl": "1"}},
                {"kind": "db_parameter_group", "name": "my_off", "handles": ["my-off"], "parameters": {"require_secure_transport": "0"}},
                {"kind": "db_parameter_group", "name": "dyn", "handles": ["dyn"], "parameters": {"unknown": "dynamic parameter over var.params"}},
                {"kind": "rds_instance", "name": "pg_ok", "engine": "postgres", "parameter_group": "pg-tls"},
                {"kind": "rds_instance", "name": "pg_default", "engine": "postgres"},
                {"kind": "rds_instance", "name": "pg14_default", "engine": "postgres", "engine_version": "14.12"},
                {"kind": "rds_instance", "name": "pg16_default", "engine": "postgres", "engine_version": "16.4", "parameter_group": "default.postgres16"},
                {"kind": "rds_instance", "name": "mysql_default", "engine": "MySQL"},
                {"kind": "rds_cluster", "name": "mysql_off", "engine": "aurora-mysql", "parameter_group": "my-off"},
                {"kind": "rds_instance", "name": "pg_dyn", "engine": "postgres", "parameter_group": "dyn"},
                {"kind": "rds_instance", "name": "pg_foreign", "engine": "postgres", "parameter_group": "shared-pg"},
                {"kind": "db_parameter_group", "name": "tuned", "handles": ["tuned"], "parameters": {"work_mem": "64MB"}},
                {"kind": "rds_instance", "name": "pg16_custom", "engine": "postgres", "engine_version": "16.4", "parameter_group": "tuned"},
                {"kind": "rds_instance", "name": "pg14_custom", "engine": "postgres", "engine_version": "14.12", "parameter_group": "tuned"},
                {"kind": "rds_instance", "name": "oracle", "engine": "oracle-ee"},
                {"kind": "rds_instance", "name": "member", "engine": "aurora-postgresql", "cluster": "c"},
            ]),
            &[
                ("pg_ok", Pass),
                ("pg_default", Pass),
                ("pg14_default", Fail),
                ("pg16_default", Pass),
                ("mysql_default", Fail),
                ("mysql_off", Fail),
                ("pg_dyn", Unknown),
                ("pg_foreign", Unknown),
                ("pg16_custom", Pass),
                ("pg14_custom", Fail),
                ("oracle", NotApplicable),
                ("member", NotApplicable),
            ],
        );
    }

    #[test]
    fn parameter_group_families_follow_engine_versions() {
        let family = |engine, version| super::family(engine, version);
        assert_eq!(family("postgres", Some("14.12")).as_deref(), Some("postgres14"));
        assert_eq!(family("postgres", Some("9.6.24")).as_deref(), Some("postgres9.6"));
        assert_eq!(family("aurora-postgresql", Some("15.4")).as_deref(), Some("aurora-postgresql15"));
        assert_eq!(family("mysql", Some("8.0.40")).as_deref(), Some("mysql8.0"));
        assert_eq!(family("mariadb", Some("10.11.6")).as_deref(), Some("mariadb10.11"));
        assert_eq!(family("aurora-mysql", Some("8.0.mysql_aurora.3.05.2")).as_deref(), Some("aurora-mysql8.0"));
        assert_eq!(family("sqlserver-ee", Some("15.00.4345.5.v1")).as_deref(), Some("sqlserver-ee-15.0"));
        assert_eq!(family("mysql", Some("8")), None, "a major version alone does not tell MySQL's family");
        assert_eq!(family("mysql", None), None);
        assert_eq!(family("oracle-ee", Some("19.0.0.0.ru-2024-01.rur-2024-01.r1")), None);
    }
}
