//! Closed sets of AWS values (key specs, key states, SSE algorithms, protocols): parsed
//! once by the sources, compared as variants by the rules. Each set keeps a value AWS adds
//! later as `Other`, so that nothing is lost or misread; in JSON each is AWS's spelling.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Declares a closed set of AWS values with the spelling AWS uses for each, read
/// case-insensitively (sources write `https` and `HTTPS`), written in AWS's spelling.
macro_rules! choice {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version of encguard does not know, as written.
            Other(String),
        }

        impl $name {
            /// The value as AWS spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $(if s.eq_ignore_ascii_case($text) {
                    return $name::$variant;
                })*
                $name::Other(s.to_string())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($name::from(String::deserialize(d)?.as_str()))
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string", "examples": [$($text),*] })
            }
        }
    };
}

choice! {
    /// A KMS key's spec (`KeySpec`, `customer_master_key_spec`).
    KeySpec {
        /// The symmetric AES-256-GCM key every AWS service encrypts data at rest with.
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        /// RSA 2048-bit.
        Rsa2048 = "RSA_2048",
        /// RSA 3072-bit.
        Rsa3072 = "RSA_3072",
        /// RSA 4096-bit.
        Rsa4096 = "RSA_4096",
        /// ECC NIST P-256.
        EccNistP256 = "ECC_NIST_P256",
        /// ECC NIST P-384.
        EccNistP384 = "ECC_NIST_P384",
        /// ECC NIST P-521.
        EccNistP521 = "ECC_NIST_P521",
        /// ECC secp256k1.
        EccSecgP256k1 = "ECC_SECG_P256K1",
        /// HMAC with a 224-bit key.
        Hmac224 = "HMAC_224",
        /// HMAC with a 256-bit key.
        Hmac256 = "HMAC_256",
        /// HMAC with a 384-bit key.
        Hmac384 = "HMAC_384",
        /// HMAC with a 512-bit key.
        Hmac512 = "HMAC_512",
        /// SM2 (China Regions).
        Sm2 = "SM2",
    }
}

choice! {
    /// What a KMS key is for (`KeyUsage`).
    KeyUsage {
        /// Encryption and decryption: the only usage that can protect data at rest.
        EncryptDecrypt = "ENCRYPT_DECRYPT",
        /// Signing and verification.
        SignVerify = "SIGN_VERIFY",
        /// HMAC generation and verification.
        GenerateVerifyMac = "GENERATE_VERIFY_MAC",
        /// Key agreement.
        KeyAgreement = "KEY_AGREEMENT",
    }
}

choice! {
    /// Where a KMS key's material comes from (`Origin`).
    KeyOrigin {
        /// KMS generates it.
        AwsKms = "AWS_KMS",
        /// Imported by the customer.
        External = "EXTERNAL",
        /// Generated in a CloudHSM custom key store.
        AwsCloudhsm = "AWS_CLOUDHSM",
        /// Held in an external key store.
        ExternalKeyStore = "EXTERNAL_KEY_STORE",
    }
}

choice! {
    /// Who manages a KMS key (`KeyManager`).
    KeyManager {
        /// The customer: every key written in code.
        Customer = "CUSTOMER",
        /// AWS, for a service (`alias/aws/<service>`).
        Aws = "AWS",
    }
}

choice! {
    /// A KMS key's live state (`KeyState`).
    KeyState {
        /// Usable.
        Enabled = "Enabled",
        /// Disabled: data it protects cannot be decrypted.
        Disabled = "Disabled",
        /// Scheduled for deletion.
        PendingDeletion = "PendingDeletion",
        /// A multi-Region primary waiting for its replicas to be deleted.
        PendingReplicaDeletion = "PendingReplicaDeletion",
        /// Waiting for imported key material.
        PendingImport = "PendingImport",
        /// Being created.
        Creating = "Creating",
        /// Its custom key store is disconnected.
        Unavailable = "Unavailable",
        /// A multi-Region replica being created.
        Updating = "Updating",
    }
}

choice! {
    /// What a plan does to a resource that does not survive it.
    PlannedAction {
        /// Destroyed.
        Delete = "delete",
        /// Destroyed and created anew.
        Replace = "replace",
    }
}

choice! {
    /// A server-side encryption algorithm of S3 (`SSEAlgorithm`, `x-amz-server-side-encryption`).
    SseAlgorithm {
        /// SSE-S3: keys S3 manages.
        Aes256 = "AES256",
        /// SSE-KMS.
        AwsKms = "aws:kms",
        /// DSSE-KMS: two layers of encryption with KMS keys.
        AwsKmsDsse = "aws:kms:dsse",
    }
}

impl SseAlgorithm {
    /// Whether KMS keys encrypt (SSE-KMS or DSSE-KMS).
    pub fn uses_kms(&self) -> bool {
        matches!(self, SseAlgorithm::AwsKms | SseAlgorithm::AwsKmsDsse)
    }
}

choice! {
    /// A load balancer listener's or target group's protocol (ALB, NLB, GWLB and Classic).
    LbProtocol {
        /// Plain HTTP.
        Http = "HTTP",
        /// HTTP over TLS.
        Https = "HTTPS",
        /// Plain TCP.
        Tcp = "TCP",
        /// TCP over TLS (NLB).
        Tls = "TLS",
        /// UDP.
        Udp = "UDP",
        /// TCP and UDP on one port.
        TcpUdp = "TCP_UDP",
        /// GENEVE (Gateway Load Balancer).
        Geneve = "GENEVE",
        /// TCP over TLS (Classic Load Balancer).
        Ssl = "SSL",
    }
}

impl LbProtocol {
    /// Whether traffic on it is encrypted with TLS.
    pub fn is_tls(&self) -> bool {
        matches!(self, LbProtocol::Https | LbProtocol::Tls | LbProtocol::Ssl)
    }
}

choice! {
    /// A kind of Elastic Load Balancing v2 load balancer.
    LoadBalancerType {
        /// An Application Load Balancer.
        Application = "application",
        /// A Network Load Balancer.
        Network = "network",
        /// A Gateway Load Balancer.
        Gateway = "gateway",
    }
}

choice! {
    /// How a CloudFront cache behavior treats viewers' HTTP requests.
    ViewerProtocolPolicy {
        /// HTTP and HTTPS are served.
        AllowAll = "allow-all",
        /// HTTP is refused.
        HttpsOnly = "https-only",
        /// HTTP is redirected to HTTPS.
        RedirectToHttps = "redirect-to-https",
    }
}

impl ViewerProtocolPolicy {
    /// Whether viewers end up on HTTPS.
    pub fn is_https(&self) -> bool {
        matches!(self, ViewerProtocolPolicy::HttpsOnly | ViewerProtocolPolicy::RedirectToHttps)
    }
}

choice! {
    /// How CloudFront connects to a custom origin.
    OriginProtocolPolicy {
        /// Always over HTTP.
        HttpOnly = "http-only",
        /// Always over HTTPS.
        HttpsOnly = "https-only",
        /// As the viewer connected.
        MatchViewer = "match-viewer",
    }
}

choice! {
    /// Whether a DAX cluster's endpoint requires TLS (`ClusterEndpointEncryptionType`).
    EndpointEncryption {
        /// Plain connections.
        None = "NONE",
        /// TLS connections.
        Tls = "TLS",
    }
}

choice! {
    /// An ACM certificate's key algorithm (`KeyAlgorithm`).
    CertificateKeyAlgorithm {
        /// RSA 1024-bit.
        Rsa1024 = "RSA_1024",
        /// RSA 2048-bit.
        Rsa2048 = "RSA_2048",
        /// RSA 3072-bit.
        Rsa3072 = "RSA_3072",
        /// RSA 4096-bit.
        Rsa4096 = "RSA_4096",
        /// ECDSA P-256.
        EcPrime256v1 = "EC_prime256v1",
        /// ECDSA P-384.
        EcSecp384r1 = "EC_secp384r1",
        /// ECDSA P-521.
        EcSecp521r1 = "EC_secp521r1",
    }
}

impl CertificateKeyAlgorithm {
    /// At least RSA 2048 or ECDSA P-256; `None` for an algorithm this version does not know
    /// (an RSA key of another size, `RSA_<bits>`, is judged by its size).
    pub fn is_strong(&self) -> Option<bool> {
        match self {
            CertificateKeyAlgorithm::Other(other) => {
                other.strip_prefix("RSA_").and_then(|bits| bits.parse::<u32>().ok()).map(|bits| bits >= 2048)
            }
            known => Some(*known != CertificateKeyAlgorithm::Rsa1024),
        }
    }
}

choice! {
    /// Where an ACM certificate comes from (`Type`).
    CertificateType {
        /// Issued by ACM, which renews it.
        AmazonIssued = "AMAZON_ISSUED",
        /// Imported: never renewed by ACM.
        Imported = "IMPORTED",
        /// Issued by ACM Private CA.
        Private = "PRIVATE",
    }
}

choice! {
    /// An ACM certificate's status.
    CertificateStatus {
        /// Waiting for its domains to be validated.
        PendingValidation = "PENDING_VALIDATION",
        /// Issued and usable.
        Issued = "ISSUED",
        /// No longer used.
        Inactive = "INACTIVE",
        /// Past its expiry.
        Expired = "EXPIRED",
        /// Validation did not complete in time.
        ValidationTimedOut = "VALIDATION_TIMED_OUT",
        /// Revoked.
        Revoked = "REVOKED",
        /// Could not be issued.
        Failed = "FAILED",
    }
}

choice! {
    /// How ACM validates a certificate's domains.
    ValidationMethod {
        /// A DNS record: renewals validate themselves while it stays.
        Dns = "DNS",
        /// An email someone must approve.
        Email = "EMAIL",
        /// An HTTP redirect (CloudFront).
        Http = "HTTP",
    }
}

choice! {
    /// Whether a certificate is logged to Certificate Transparency.
    TransparencyLogging {
        /// Logged.
        Enabled = "ENABLED",
        /// Not logged.
        Disabled = "DISABLED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_in_any_case_and_keep_what_is_new() {
        assert_eq!(KeySpec::from("symmetric_default"), KeySpec::SymmetricDefault);
        assert_eq!(KeySpec::from("ML_DSA_44"), KeySpec::Other("ML_DSA_44".into()));
        assert_eq!(serde_json::to_string(&SseAlgorithm::AwsKmsDsse).unwrap(), "\"aws:kms:dsse\"");
        assert_eq!(serde_json::from_str::<KeyState>("\"PendingDeletion\"").unwrap(), KeyState::PendingDeletion);
        assert_eq!(KeyUsage::Other("X".into()).to_string(), "X");
    }
}
