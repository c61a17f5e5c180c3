//! TLS versions of load-balancer and CloudFront security policies, judged by the
//! protocols they allow rather than by a list of names that goes stale.

use crate::policy::TlsVersion;

/// The oldest protocol an Elastic Load Balancing security policy allows, from AWS's
/// naming scheme (`ELBSecurityPolicy-TLS13-1-2-2021-06` allows TLS 1.2 and 1.3,
/// `ELBSecurityPolicy-FS-1-1-2019-08` TLS 1.1 …) and the legacy names that predate it.
/// `None` for a name outside the scheme: read it live (`DescribeSSLPolicies`).
pub fn elb_policy_minimum(name: &str) -> Option<TlsVersion> {
    let rest = name.strip_prefix("ELBSecurityPolicy-")?;
    match rest {
        "2016-08" | "2015-05" | "2015-03" | "2015-02" | "2014-10" | "2014-01" | "2011-08" | "FS-2018-06"
        | "TLS-1-0-2015-04" => return Some(TlsVersion::V1_0),
        _ => {}
    }
    let rest = ["TLS13-", "TLS-", "FS-"].iter().find_map(|p| rest.strip_prefix(p))?;
    version_prefix(rest)
}

/// Reads `1-2…` as TLS 1.2.
fn version_prefix(text: &str) -> Option<TlsVersion> {
    match text.get(..3)? {
        "1-0" => Some(TlsVersion::V1_0),
        "1-1" => Some(TlsVersion::V1_1),
        "1-2" => Some(TlsVersion::V1_2),
        "1-3" => Some(TlsVersion::V1_3),
        _ => None,
    }
}

/// A protocol an SSL policy allows.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protocol {
    /// SSLv3 or a name that is no TLS version: older than every TLS version.
    Older(String),
    Tls(TlsVersion),
}

/// The oldest protocol among protocol names as `DescribeSSLPolicies` and CloudFront
/// report them (`TLSv1.2`, `TLSv1`, `SSLv3`, `Protocol-TLSv1.1`).
pub fn oldest_protocol(protocols: &[String]) -> Option<Protocol> {
    protocols
        .iter()
        .map(|p| {
            let p = p.strip_prefix("Protocol-").unwrap_or(p);
            match p {
                "TLSv1" | "TLSv1.0" => Protocol::Tls(TlsVersion::V1_0),
                "TLSv1.1" => Protocol::Tls(TlsVersion::V1_1),
                "TLSv1.2" => Protocol::Tls(TlsVersion::V1_2),
                "TLSv1.3" => Protocol::Tls(TlsVersion::V1_3),
                older => Protocol::Older(older.to_string()),
            }
        })
        .min()
}

/// The oldest viewer protocol a CloudFront `MinimumProtocolVersion` allows
/// (`TLSv1.2_2021` → TLS 1.2, `TLSv1_2016` → TLS 1.0, `SSLv3` → older than any TLS).
pub fn cloudfront_minimum(version: &str) -> Option<Result<TlsVersion, ()>> {
    let protocol = version.split('_').next()?;
    match protocol {
        "SSLv3" => Some(Err(())),
        "TLSv1" => Some(Ok(TlsVersion::V1_0)),
        "TLSv1.1" => Some(Ok(TlsVersion::V1_1)),
        "TLSv1.2" => Some(Ok(TlsVersion::V1_2)),
        "TLSv1.3" => Some(Ok(TlsVersion::V1_3)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elb_policies_are_judged_by_their_protocols() {
        assert_eq!(elb_policy_minimum("ELBSecurityPolicy-2016-08"), Some(TlsVersion::V1_0));
        assert_eq!(elb_policy_minimum("ELBSecurityPolicy-TLS13-1-2-2021-06"), Some(TlsVersion::V1_2));
        assert_eq!(elb_policy_minimum("ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06"), Some(TlsVersion::V1_2));
        assert_eq!(elb_policy_minimum("ELBSecurityPolicy-TLS13-1-3-PQ-2025-09"), Some(TlsVersion::V1_3));
        assert_eq!(elb_policy_minimum("ELBSecurityPolicy-FS-1-1-2019-08"), Some(TlsVersion::V1_1));
        assert_eq!(elb_policy_minimum("ELBSecurityPolicy-TLS-1-2-Ext-2018-06"), Some(TlsVersion::V1_2));
        assert_eq!(elb_policy_minimum("ELBSecurityPolicy-FS-2018-06"), Some(TlsVersion::V1_0));
        assert_eq!(elb_policy_minimum("my-custom-policy"), None);
    }

    #[test]
    fn cloudfront_versions_parse_new_and_old_names() {
        assert_eq!(cloudfront_minimum("TLSv1.2_2025"), Some(Ok(TlsVersion::V1_2)));
        assert_eq!(cloudfront_minimum("TLSv1.3_2025"), Some(Ok(TlsVersion::V1_3)));
        assert_eq!(cloudfront_minimum("TLSv1_2016"), Some(Ok(TlsVersion::V1_0)));
        assert_eq!(cloudfront_minimum("SSLv3"), Some(Err(())));
    }

    #[test]
    fn oldest_protocol_counts_sslv3_as_oldest() {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(oldest_protocol(&list(&["TLSv1.2", "TLSv1.1"])), Some(Protocol::Tls(TlsVersion::V1_1)));
        assert_eq!(oldest_protocol(&list(&["TLSv1.2", "SSLv3"])), Some(Protocol::Older("SSLv3".into())));
    }
}
