//! The Terraform functions that policies and resource settings are commonly written with.
//! A function whose arguments are unknown returns unknown; one encguard does not implement
//! returns unknown naming it — never a guess.

use encguard_values::{format_number, ReadError, Val};
use std::collections::BTreeMap;
use std::path::Path;

/// Calls `name` on evaluated arguments. `base` is the module directory, for `file()`.
pub fn call(name: &str, args: Vec<Val>, base: &Path) -> Val {
    // Functions that accept unknown arguments decide for themselves.
    match name {
        "coalesce" => return coalesce(args),
        "try" => {
            return args
                .into_iter()
                .find(|a| !matches!(a, Val::Unknown(u) if u.reason.starts_with("error:")))
                .unwrap_or(Val::unknown("try(): every argument failed"))
        }
        "can" => {
            return match args.first() {
                Some(Val::Unknown(u)) if u.reason.starts_with("error:") => Val::Bool(false),
                Some(Val::Unknown(_)) => args[0].clone(),
                _ => Val::Bool(true),
            }
        }
        "merge" => return merge(args),
        "concat" => return concat(args),
        "tolist" | "toset" | "tomap" | "sensitive" | "nonsensitive" => {
            return args.into_iter().next().unwrap_or(Val::Null)
        }
        "lookup" => return lookup(args),
        "length" => return length(args),
        _ => {}
    }
    if let Some(u) = args.iter().find(|a| a.is_unknown()) {
        return u.clone();
    }
    // Functions that compare elements cannot tell whether an unknown one equals another.
    if matches!(name, "contains" | "index" | "distinct" | "setunion" | "setintersection" | "setsubtract") {
        if let Some(u) = args.iter().find_map(Val::first_unknown) {
            return Val::Unknown(Box::new(u.clone()));
        }
    }
    let text = |i: usize| args.get(i).map(Val::to_text);
    let result = (|| -> Result<Val, Val> {
        Ok(match name {
            "format" => format(&args)?,
            "join" => {
                let sep = text(0).ok_or_else(|| err("join needs a separator"))??;
                let items = list(args.get(1))?.iter().map(Val::to_text).collect::<Result<Vec<_>, _>>()?;
                Val::Str(items.join(&sep))
            }
            "split" => {
                let sep = text(0).ok_or_else(|| err("split needs a separator"))??;
                let s = text(1).ok_or_else(|| err("split needs a string"))??;
                Val::List(s.split(sep.as_str()).map(|p| Val::Str(p.to_string())).collect())
            }
            "lower" => Val::Str(text(0).ok_or_else(|| err("lower needs a string"))??.to_lowercase()),
            "upper" => Val::Str(text(0).ok_or_else(|| err("upper needs a string"))??.to_uppercase()),
            "trimspace" => Val::Str(text(0).ok_or_else(|| err("trimspace needs a string"))??.trim().to_string()),
            "trimprefix" => {
                let (s, p) = (text(0).ok_or_else(|| err("arguments"))??, text(1).ok_or_else(|| err("arguments"))??);
                Val::Str(s.strip_prefix(p.as_str()).unwrap_or(&s).to_string())
            }
            "trimsuffix" => {
                let (s, p) = (text(0).ok_or_else(|| err("arguments"))??, text(1).ok_or_else(|| err("arguments"))??);
                Val::Str(s.strip_suffix(p.as_str()).unwrap_or(&s).to_string())
            }
            "replace" => {
                let (s, from, to) = (
                    text(0).ok_or_else(|| err("arguments"))??,
                    text(1).ok_or_else(|| err("arguments"))??,
                    text(2).ok_or_else(|| err("arguments"))??,
                );
                if from.len() > 2 && from.starts_with('/') && from.ends_with('/') {
                    return Err(Val::unknown("replace() with a regular expression is not evaluated"));
                }
                Val::Str(s.replace(&from, &to))
            }
            "startswith" => Val::Bool(
                text(0).ok_or_else(|| err("arguments"))??.starts_with(&text(1).ok_or_else(|| err("arguments"))??),
            ),
            "endswith" => Val::Bool(
                text(0).ok_or_else(|| err("arguments"))??.ends_with(&text(1).ok_or_else(|| err("arguments"))??),
            ),
            "substr" => {
                let s: Vec<char> = text(0).ok_or_else(|| err("arguments"))??.chars().collect();
                let offset = num(args.get(1))? as usize;
                let len = num(args.get(2))?;
                let end = if len < 0.0 { s.len() } else { (offset + len as usize).min(s.len()) };
                Val::Str(s.get(offset.min(s.len())..end).map(|c| c.iter().collect()).unwrap_or_default())
            }
            "tostring" => Val::Str(text(0).ok_or_else(|| err("arguments"))??),
            "tonumber" => {
                Val::Num(text(0).ok_or_else(|| err("arguments"))??.parse().map_err(|_| err("tonumber: not a number"))?)
            }
            "tobool" => Val::Bool(args.first().ok_or_else(|| err("arguments"))?.truthy()?),
            "jsonencode" => args.first().map(Val::to_json).unwrap_or(Val::Null),
            "jsondecode" => {
                let s = text(0).ok_or_else(|| err("arguments"))??;
                Val::from_json(&serde_json::from_str(&s).map_err(|e| err(&format!("jsondecode: {e}")))?)
            }
            "file" => Val::Str(read(base, &text(0).ok_or_else(|| err("arguments"))??)?),
            "fileexists" => Val::Bool(base.join(text(0).ok_or_else(|| err("arguments"))??).is_file()),
            "element" => {
                let items = list(args.first())?;
                let i = num(args.get(1))? as usize;
                items.get(i % items.len().max(1)).cloned().ok_or_else(|| err("element of an empty list"))?
            }
            "keys" => Val::List(map(args.first())?.keys().map(|k| Val::Str(k.clone())).collect()),
            "values" => Val::List(map(args.first())?.values().cloned().collect()),
            "contains" => Val::Bool(list(args.first())?.contains(args.get(1).unwrap_or(&Val::Null))),
            "flatten" => Val::List(flatten(list(args.first())?)),
            "distinct" => {
                let mut out: Vec<Val> = Vec::new();
                for v in list(args.first())? {
                    if !out.contains(v) {
                        out.push(v.clone());
                    }
                }
                Val::List(out)
            }
            "compact" => Val::List(
                list(args.first())?
                    .iter()
                    .filter(|v| !matches!(v, Val::Null) && v.as_str() != Some(""))
                    .cloned()
                    .collect(),
            ),
            "coalescelist" => args
                .iter()
                .find(|a| matches!(a, Val::List(l) if !l.is_empty()))
                .cloned()
                .unwrap_or(Val::List(Vec::new())),
            "one" => match list(args.first())?.as_slice() {
                [] => Val::Null,
                [v] => v.clone(),
                _ => return Err(err("one() of more than one element")),
            },
            "zipmap" => {
                let k = list(args.first())?;
                let v = list(args.get(1))?;
                Val::Map(k.iter().zip(v).map(|(k, v)| Ok((k.to_text()?, v.clone()))).collect::<Result<_, Val>>()?)
            }
            "range" => {
                let nums: Vec<f64> = args.iter().map(|a| num(Some(a))).collect::<Result<_, _>>()?;
                let (start, end, step) = match nums.as_slice() {
                    [e] => (0.0, *e, 1.0),
                    [s, e] => (*s, *e, 1.0),
                    [s, e, st] => (*s, *e, *st),
                    _ => return Err(err("range() arguments")),
                };
                let count = if step == 0.0 { f64::INFINITY } else { ((end - start) / step).ceil() };
                if !(count <= MAX_RANGE as f64) {
                    return Err(limit(format!("range() of more than {MAX_RANGE} elements")));
                }
                let mut out = Vec::new();
                let mut x = start;
                while step > 0.0 && x < end || step < 0.0 && x > end {
                    out.push(Val::Num(x));
                    x += step;
                }
                Val::List(out)
            }
            "max" => Val::Num(
                args.iter().map(|a| num(Some(a))).collect::<Result<Vec<_>, _>>()?.into_iter().fold(f64::MIN, f64::max),
            ),
            "min" => Val::Num(
                args.iter().map(|a| num(Some(a))).collect::<Result<Vec<_>, _>>()?.into_iter().fold(f64::MAX, f64::min),
            ),
            "abs" => Val::Num(num(args.first())?.abs()),
            "ceil" => Val::Num(num(args.first())?.ceil()),
            "floor" => Val::Num(num(args.first())?.floor()),
            "sum" => match list(args.first())?.as_slice() {
                [] => return Err(err("sum() of an empty list")),
                items => Val::Num(items.iter().map(|v| num(Some(v))).sum::<Result<f64, Val>>()?),
            },
            "alltrue" | "anytrue" => {
                let all = name == "alltrue";
                let mut unknown = None;
                for v in list(args.first())? {
                    match v.truthy() {
                        Ok(b) if b != all => return Ok(Val::Bool(!all)),
                        Ok(_) => {}
                        Err(u) => unknown = Some(u),
                    }
                }
                unknown.map_or(Ok(Val::Bool(all)), Err)?
            }
            "basename" => Val::Str(basename(&text(0).ok_or_else(|| err("arguments"))??)),
            "dirname" => Val::Str(dirname(&text(0).ok_or_else(|| err("arguments"))??)),
            "title" => Val::Str(title(&text(0).ok_or_else(|| err("arguments"))??)),
            "chomp" => Val::Str(text(0).ok_or_else(|| err("arguments"))??.trim_end_matches(['\n', '\r']).to_string()),
            "trim" => {
                let (s, cut) = (text(0).ok_or_else(|| err("arguments"))??, text(1).ok_or_else(|| err("arguments"))??);
                Val::Str(s.trim_matches(|c| cut.contains(c)).to_string())
            }
            "reverse" => Val::List(list(args.first())?.iter().rev().cloned().collect()),
            "sort" => {
                let mut items = list(args.first())?.iter().map(Val::to_text).collect::<Result<Vec<_>, _>>()?;
                items.sort();
                Val::List(items.into_iter().map(Val::Str).collect())
            }
            "slice" => {
                let items = list(args.first())?;
                let (from, to) = (num(args.get(1))?, num(args.get(2))?);
                if from < 0.0 || to < from {
                    return Err(err("slice() out of range"));
                }
                Val::List(items.get(from as usize..to as usize).ok_or_else(|| err("slice() out of range"))?.to_vec())
            }
            "index" => {
                let items = list(args.first())?;
                let wanted = args.get(1).unwrap_or(&Val::Null);
                Val::Num(items.iter().position(|v| v == wanted).ok_or_else(|| err("index(): not in the list"))? as f64)
            }
            "setunion" | "setintersection" | "setsubtract" => {
                let sets = args.iter().map(|a| list(Some(a)).cloned()).collect::<Result<Vec<_>, _>>()?;
                let mut out: Vec<Val> = Vec::new();
                let first = sets.first().cloned().unwrap_or_default();
                let candidates = if name == "setunion" { sets.concat() } else { first };
                for v in candidates {
                    let keep = match name {
                        "setintersection" => sets[1..].iter().all(|s| s.contains(&v)),
                        "setsubtract" => !sets[1..].iter().any(|s| s.contains(&v)),
                        _ => true,
                    };
                    if keep && !out.contains(&v) {
                        out.push(v);
                    }
                }
                Val::List(out)
            }
            "timestamp" | "plantimestamp" => return Err(Val::unknown(format!("{name}() is known only when planning"))),
            "uuid" => return Err(Val::unknown("uuid() is new on every plan")),
            "base64encode" | "filebase64" | "md5" | "sha256" | "sha1" | "base64decode" => {
                return Err(Val::unknown(format!("{name}() is not evaluated")))
            }
            other => return Err(Val::unknown(format!("function `{other}` is not evaluated by encguard"))),
        })
    })();
    result.unwrap_or_else(|e| e)
}

/// An evaluation error: `try` and `can` recognise them by the `error:` prefix.
pub fn err(message: &str) -> Val {
    Val::unknown(format!("error: {message}"))
}

fn num(v: Option<&Val>) -> Result<f64, Val> {
    match v {
        Some(Val::Num(n)) => Ok(*n),
        Some(Val::Str(s)) => s.parse().map_err(|_| err("not a number")),
        Some(u @ Val::Unknown(_)) => Err(u.clone()),
        _ => Err(err("a number is expected")),
    }
}

fn list(v: Option<&Val>) -> Result<&Vec<Val>, Val> {
    match v {
        Some(Val::List(items)) => Ok(items),
        Some(u @ Val::Unknown(_)) => Err(u.clone()),
        _ => Err(err("a list is expected")),
    }
}

fn map(v: Option<&Val>) -> Result<&BTreeMap<String, Val>, Val> {
    match v {
        Some(Val::Map(m)) => Ok(m),
        Some(u @ Val::Unknown(_)) => Err(u.clone()),
        _ => Err(err("a map is expected")),
    }
}

fn flatten(items: &[Val]) -> Vec<Val> {
    items
        .iter()
        .flat_map(|v| match v {
            Val::List(inner) => flatten(inner),
            other => vec![other.clone()],
        })
        .collect()
}

/// The largest file `file()` and `templatefile()` read: policies and templates are
/// kilobytes; anything larger is not configuration.
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// The most elements `range()` makes.
pub const MAX_RANGE: usize = 1_000_000;

/// How the reason of an unknown begins when a limit was reached: the code is at fault.
pub const LIMIT: &str = "limit reached: ";

/// The message of a value left unknown because a limit was reached.
pub fn limit_reached(v: &Val) -> Option<&str> {
    match v {
        Val::Unknown(u) => u.reason.strip_prefix(LIMIT),
        _ => None,
    }
}

/// A value left unknown because a limit was reached.
pub fn limit(message: String) -> Val {
    Val::unknown(format!("{LIMIT}{message}"))
}

/// Reads a file for `file()` or `templatefile()`: relative to `base` (where Terraform runs),
/// a regular file of at most [`MAX_FILE_BYTES`].
pub fn read(base: &Path, path: &str) -> Result<String, Val> {
    encguard_values::read_bounded(&base.join(path), MAX_FILE_BYTES).map_err(|e| match e {
        ReadError::Unreadable(e) => Val::unknown(format!("\"{path}\" cannot be read: {e}")),
        ReadError::NotRegular => limit(format!("\"{path}\" is not a regular file")),
        ReadError::TooLarge(max) => limit(format!("\"{path}\" is larger than {} MiB", max >> 20)),
    })
}

fn coalesce(args: Vec<Val>) -> Val {
    for a in args {
        match a {
            Val::Null => continue,
            Val::Str(ref s) if s.is_empty() => continue,
            other => return other,
        }
    }
    err("coalesce(): no non-null argument")
}

fn merge(args: Vec<Val>) -> Val {
    let mut out = BTreeMap::new();
    for a in args {
        match a {
            Val::Map(m) => out.extend(m),
            Val::Null => {}
            u @ Val::Unknown(_) => return u,
            _ => return err("merge() takes maps"),
        }
    }
    Val::Map(out)
}

fn concat(args: Vec<Val>) -> Val {
    let mut out = Vec::new();
    for a in args {
        match a {
            Val::List(items) => out.extend(items),
            u @ Val::Unknown(_) => return u,
            _ => return err("concat() takes lists"),
        }
    }
    Val::List(out)
}

fn lookup(args: Vec<Val>) -> Val {
    let mut args = args.into_iter();
    let (Some(m), Some(k)) = (args.next(), args.next()) else {
        return err("lookup() needs a map and a key");
    };
    let default = args.next();
    match (m, k) {
        (u @ Val::Unknown(_), _) | (_, u @ Val::Unknown(_)) => u,
        (Val::Map(m), k) => match k.to_text() {
            Ok(k) => m.get(&k).cloned().or(default).unwrap_or_else(|| err("lookup(): no such key")),
            Err(e) => e,
        },
        _ => err("lookup() takes a map"),
    }
}

fn length(args: Vec<Val>) -> Val {
    match args.first() {
        Some(Val::List(l)) => Val::Num(l.len() as f64),
        Some(Val::Map(m)) => Val::Num(m.len() as f64),
        Some(Val::Str(s)) => Val::Num(s.chars().count() as f64),
        Some(u @ Val::Unknown(_)) => u.clone(),
        _ => err("length() of a value without length"),
    }
}

fn format(args: &[Val]) -> Result<Val, Val> {
    let spec = args.first().ok_or_else(|| err("format needs a format"))?.to_text()?;
    let mut out = String::new();
    let mut rest = args[1..].iter();
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(_verb) => {
                let v = rest.next().ok_or_else(|| err("format: too few arguments"))?;
                out.push_str(&match v {
                    Val::Num(n) => format_number(*n),
                    other => other.to_text()?,
                });
            }
            None => out.push('%'),
        }
    }
    Ok(Val::Str(out))
}

/// The last element of a path, as Go's `filepath.Base`: trailing slashes dropped, `"."` for
/// an empty path, `"/"` for slashes only.
fn basename(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// All but the last element of a path, as Go's `filepath.Dir`: `"a/b/"` is `"a/b"`.
fn dirname(path: &str) -> String {
    match path.rfind('/') {
        None => ".".to_string(),
        Some(i) => {
            let dir = path[..i].trim_end_matches('/');
            if dir.is_empty() && path.starts_with('/') {
                "/"
            } else if dir.is_empty() {
                "."
            } else {
                dir
            }
            .to_string()
        }
    }
}

/// Every word's first letter in upper case; a word starts after any character that is not
/// a letter, digit or underscore.
fn title(s: &str) -> String {
    let mut after_separator = true;
    s.chars()
        .flat_map(|c| {
            let upper = after_separator;
            after_separator = !(c.is_alphanumeric() || c == '_');
            let mapped: Vec<char> = if upper { c.to_uppercase().collect() } else { vec![c] };
            mapped
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, args: Vec<Val>) -> Val {
        call(name, args, Path::new("."))
    }

    fn s(v: &str) -> Val {
        Val::Str(v.to_string())
    }

    #[test]
    fn paths_and_words_follow_terraform() {
        for (path, base, dir) in [
            ("a/b/c", "c", "a/b"),
            ("a/b/", "b", "a/b"),
            ("/", "/", "/"),
            ("", ".", "."),
            ("a", "a", "."),
            ("/a", "a", "/"),
        ] {
            assert_eq!(run("basename", vec![s(path)]), s(base), "basename({path:?})");
            assert_eq!(run("dirname", vec![s(path)]), s(dir), "dirname({path:?})");
        }
        assert_eq!(run("title", vec![s("hello  world-wide\tweb")]), s("Hello  World-Wide\tWeb"));
    }

    #[test]
    fn errors_and_unknown_elements() {
        let is_error = |v: Val| matches!(v, Val::Unknown(u) if u.reason.starts_with("error:"));
        assert!(is_error(run("sum", vec![Val::List(vec![])])));
        assert!(is_error(run("slice", vec![Val::List(vec![s("a")]), Val::Num(-1.0), Val::Num(1.0)])));
        let partly_known = Val::List(vec![s("a"), Val::unknown("var.x has no value")]);
        for name in ["contains", "index"] {
            let v = run(name, vec![partly_known.clone(), s("b")]);
            assert!(v.is_unknown() && !is_error(v.clone()), "{name}: {v:?}");
        }
        assert!(run("setsubtract", vec![partly_known, Val::List(vec![s("a")])]).is_unknown());
    }
}
