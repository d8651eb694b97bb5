//! Values between contract versions. Types that did not change convert by their names through
//! serde (both sides derive it); what changed is patched on the way, here and nowhere else.

use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

/// A value of one version that would not read as the other's: a bug of this module (a type
/// changed without a conversion of its own), never the component's. It traps the call.
#[derive(Debug, thiserror::Error)]
#[error("converting between contract versions: {0}")]
pub struct ConvError(#[from] serde_json::Error);

impl From<ConvError> for crate::bindings::ImportError {
    fn from(e: ConvError) -> Self {
        crate::bindings::ImportError::Fault(e.into())
    }
}

/// The releases a component may be built for, besides today's.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Release {
    V0_3,
    V0_4,
}

/// A value of today's contract as an earlier release has it: what was added since is dropped
/// (serde skips fields the older type lacks). `error` is converted by each release's
/// `convert_error`, which words a refusal for 0.3.
pub fn down<A: Serialize, B: DeserializeOwned>(a: A) -> Result<B, ConvError> {
    Ok(serde_json::from_value(serde_json::to_value(a)?)?)
}

/// A value of an earlier release as today's contract has it.
pub fn up<A: Serialize, B: DeserializeOwned>(from: Release, a: A) -> Result<B, ConvError> {
    let mut v = serde_json::to_value(a)?;
    patch(from, &mut v);
    Ok(serde_json::from_value(v)?)
}

/// What changed since `from`, in a value on its way up:
/// - 0.5.0: a `field-error` (an object of exactly `field` and `message`) gets
///   `problem: other`;
/// - 0.4.0: `not-allowed` carried prose, now a `refusal`: the prose becomes `refusal.other`.
fn patch(from: Release, v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.len() == 2 && m.contains_key("field") && m.contains_key("message") {
                m.insert("problem".into(), Value::String("Other".into()));
                return;
            }
            if from == Release::V0_3 {
                if let Some(Value::String(prose)) = m.get("NotAllowed") {
                    let other = serde_json::json!({ "Other": prose });
                    m.insert("NotAllowed".into(), other);
                    return;
                }
            }
            m.values_mut().for_each(|v| patch(from, v));
        }
        Value::Array(a) => a.iter_mut().for_each(|v| patch(from, v)),
        _ => {}
    }
}
