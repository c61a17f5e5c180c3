//! LB-001's fix: an HTTP listener's one default action replaced by a permanent redirect to
//! the load balancer's HTTPS listener — a Terraform `default_action` block, or a
//! template's `DefaultActions` list.

use crate::{block_end, indentation, pointed, yaml_body, Edit};

/// The edit of the Terraform listener whose `default_action` (or, when it has none, whose
/// block) the finding points at on `line`.
pub(crate) fn terraform(text: &str, line: u32, port: u32) -> Result<Vec<Edit>, String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let (line, _, _) = pointed(text, line, 1)?;
    // The listener's block: the nearest `resource` above, or on, the finding's line.
    let start =
        lines[..line].iter().rposition(|l| l.starts_with("resource ")).ok_or("no resource block holds the finding")?
            + 1;
    let end = block_end(text, start).ok_or("the listener's block does not end")?;
    if end == start {
        return Err("the listener is written on one line".to_string());
    }
    let body = start..end - 1;
    // The block's own arguments and blocks are indented as its first line is.
    let ind = lines[body.clone()]
        .iter()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with(['#', '/']))
        .map_or_else(|| format!("{}  ", indentation(lines[start - 1])), |l| indentation(l).to_string());
    if lines[body.clone()].iter().any(|l| l.trim_start().starts_with("dynamic \"default_action\"")) {
        return Err("its default actions are made by `dynamic`".to_string());
    }
    let actions: Vec<usize> =
        body.filter(|&i| indentation(lines[i]) == ind && lines[i].trim_start().starts_with("default_action")).collect();
    let redirect = |ind: &str| {
        format!(
            "{ind}default_action {{\n{ind}  type = \"redirect\"\n\n{ind}  redirect {{\n{ind}    port        = \"{port}\"\n\
             {ind}    protocol    = \"HTTPS\"\n{ind}    status_code = \"HTTP_301\"\n{ind}  }}\n{ind}}}\n"
        )
    };
    match actions[..] {
        [at] => {
            let close = block_end(text, at + 1).ok_or("the default action does not end")?;
            // The block's first line becomes the redirect; its other lines go.
            let mut edits = vec![Edit::Replace { line: at + 1, text: redirect(&ind) }];
            edits.extend((at + 2..=close).map(|line| Edit::Replace { line, text: String::new() }));
            Ok(edits)
        }
        [] => Ok(vec![Edit::InsertAfter { line: end - 1, text: redirect(&ind) }]),
        _ => {
            Err(format!("the listener has {} default actions: replace them with one redirect to HTTPS", actions.len()))
        }
    }
}

/// The edit of the template listener whose `DefaultActions` the finding points at on `line`.
pub(crate) fn cloudformation(text: &str, line: u32, port: u32) -> Result<Vec<Edit>, String> {
    let (line, current, _) = pointed(text, line, 1)?;
    if current.trim_end() != format!("{}DefaultActions:", indentation(current)) {
        return Err("the finding does not point at a DefaultActions list written one item per line".to_string());
    }
    let ind = indentation(current);
    let body = yaml_body(text, line, ind.len());
    let items = body.iter().filter(|(_, l)| l.trim_start().starts_with("- ")).map(|(_, l)| indentation(l)).min();
    let item = items.ok_or("the DefaultActions list is empty")?;
    let count = body.iter().filter(|(_, l)| indentation(l) == item && l.trim_start().starts_with("- ")).count();
    if count != 1 {
        return Err(format!("the listener has {count} default actions: replace them with one redirect to HTTPS"));
    }
    let step = if item.len() > ind.len() { &item[ind.len()..] } else { "  " };
    // The item's keys start past its `- `; their children one step deeper.
    let (keys, children) = (format!("{item}  "), format!("{item}  {step}"));
    let redirect = format!(
        "{ind}DefaultActions:\n{item}- Type: redirect\n{keys}RedirectConfig:\n{children}Protocol: HTTPS\n\
         {children}Port: \"{port}\"\n{children}StatusCode: HTTP_301\n"
    );
    let mut edits = vec![Edit::Replace { line, text: redirect }];
    let last = body.last().map_or(line, |(i, _)| i + 1);
    edits.extend((line + 1..=last).map(|line| Edit::Replace { line, text: String::new() }));
    Ok(edits)
}
