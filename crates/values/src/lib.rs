//! What the infrastructure-as-code sources share: a dynamic value that may be unknown
//! (with why, what it refers to, and its known parts), and the reading of such values as
//! model fields. Terraform and CloudFormation evaluate into [`Val`]; their mappings read
//! it through [`Attrs`].

mod attrs;
mod value;

pub use attrs::Attrs;
pub use value::{format_number, Unknown, Val, ADDRESS_KEY, HANDLE_KEY, HOLE};
