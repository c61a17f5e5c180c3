//! What ACM needs to know of an imported certificate, read from its PEM body the way ACM
//! reads it: the public key's algorithm and size, and the end of its validity. Only the
//! DER fields on the way to those two are walked; anything else is "cannot read".

use encguard_model::CertificateKeyAlgorithm;

/// An imported certificate's key algorithm and expiry (RFC 3339, UTC).
#[derive(Debug, PartialEq)]
pub struct CertificateFacts {
    pub key_algorithm: CertificateKeyAlgorithm,
    pub not_after: String,
}

const RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
const P384: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x22];
const P521: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x23];

const SEQUENCE: u8 = 0x30;

/// The facts of the first certificate of a PEM text; `None` when it holds none that
/// can be read.
pub fn read_pem(pem: &str) -> Option<CertificateFacts> {
    let body = pem.split("-----BEGIN CERTIFICATE-----").nth(1)?.split("-----END CERTIFICATE-----").next()?;
    read_der(&base64(body)?)
}

fn read_der(der: &[u8]) -> Option<CertificateFacts> {
    let (certificate, _) = expect(der, SEQUENCE)?;
    let (tbs, _) = expect(certificate, SEQUENCE)?;
    let mut rest = tbs;
    // version [0], optional
    if rest.first() == Some(&0xA0) {
        rest = tlv(rest)?.2;
    }
    let (_, _, rest) = tlv(rest)?; // serial number
    let (_, _, rest) = tlv(rest)?; // signature algorithm
    let (_, _, rest) = tlv(rest)?; // issuer
    let (validity, rest) = expect(rest, SEQUENCE)?;
    let (_, _, after_not_before) = tlv(validity)?;
    let (time_tag, not_after, _) = tlv(after_not_before)?;
    let (_, _, rest) = tlv(rest)?; // subject
    let (key_info, _) = expect(rest, SEQUENCE)?;
    let (algorithm, public_key) = expect(key_info, SEQUENCE)?;
    let (oid, parameters) = expect(algorithm, 0x06)?;
    let key_algorithm = if oid == RSA {
        let (bits, _) = expect(public_key, 0x03)?;
        let (key, _) = expect(bits.get(1..)?, SEQUENCE)?;
        let (modulus, _) = expect(key, 0x02)?;
        let significant = modulus.iter().position(|&b| b != 0).map_or(0, |i| modulus.len() - i);
        let size = significant * 8 - modulus.iter().find(|&&b| b != 0).map_or(0, |b| b.leading_zeros() as usize);
        match size {
            1024 => CertificateKeyAlgorithm::Rsa1024,
            2048 => CertificateKeyAlgorithm::Rsa2048,
            3072 => CertificateKeyAlgorithm::Rsa3072,
            4096 => CertificateKeyAlgorithm::Rsa4096,
            other => CertificateKeyAlgorithm::Other(format!("RSA_{other}")),
        }
    } else if oid == EC_PUBLIC_KEY {
        match expect(parameters, 0x06)?.0 {
            P256 => CertificateKeyAlgorithm::EcPrime256v1,
            P384 => CertificateKeyAlgorithm::EcSecp384r1,
            P521 => CertificateKeyAlgorithm::EcSecp521r1,
            _ => CertificateKeyAlgorithm::Other("EC_unknown_curve".into()),
        }
    } else {
        CertificateKeyAlgorithm::Other("unknown".into())
    };
    Some(CertificateFacts { key_algorithm, not_after: time(time_tag, not_after)? })
}

/// A DER UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`) as RFC 3339.
fn time(tag: u8, text: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(text).ok()?;
    let full = match tag {
        0x17 => {
            let year: u32 = text.get(..2)?.parse().ok()?;
            format!("{}{text}", if year < 50 { "20" } else { "19" })
        }
        0x18 => text.to_string(),
        _ => return None,
    };
    let digits = full.get(..14).filter(|d| d.bytes().all(|b| b.is_ascii_digit()))?;
    Some(format!(
        "{}-{}-{}T{}:{}:{}Z",
        &digits[..4],
        &digits[4..6],
        &digits[6..8],
        &digits[8..10],
        &digits[10..12],
        &digits[12..14]
    ))
}

/// The content of the element at the start of `data` if its tag is `tag`, and what follows.
fn expect(data: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (found, content, rest) = tlv(data)?;
    (found == tag).then_some((content, rest))
}

/// The tag, content and rest of the DER element at the start of `data`.
fn tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7F) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let length = rest.get(..n)?.iter().fold(0usize, |acc, &b| acc << 8 | b as usize);
        (length, &rest[n..])
    };
    Some((tag, rest.get(..length)?, &rest[length..]))
}

/// Standard base64, whitespace ignored.
fn base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        buffer = buffer << 6 | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_and_expiry_of_generated_certificates() {
        let read = |file: &str| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/certificates").join(file);
            read_pem(&std::fs::read_to_string(path).unwrap()).unwrap()
        };
        assert_eq!(
            read("rsa1024.pem"),
            CertificateFacts {
                key_algorithm: CertificateKeyAlgorithm::Rsa1024,
                not_after: "2027-03-01T12:00:00Z".into()
            }
        );
        assert_eq!(read("rsa2048.pem").key_algorithm, CertificateKeyAlgorithm::Rsa2048);
        assert_eq!(read("p384.pem").key_algorithm, CertificateKeyAlgorithm::EcSecp384r1);
        assert_eq!(read_pem("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----"), None);
        assert_eq!(read_pem("no certificate"), None);
    }
}
