//! What a request the API cannot read is answered with: a 400 whose details name each
//! offending field, query key or header.

/// One offending input: a body field, a query key, a path or a header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub field: String,
    pub message: String,
}

/// A malformed request (always a 400): the body, a path segment, a query parameter or a
/// header does not parse. A well-formed request that breaks a business rule is the
/// domain's error, not this one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BadRequest {
    message: String,
    faults: Vec<Fault>,
}

impl BadRequest {
    /// A malformed request without a field to name.
    #[must_use]
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            faults: Vec::new(),
        }
    }

    /// `invalid <field>`: one field does not parse.
    #[must_use]
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        Self::new(format!("invalid {field}")).with(field, message)
    }

    /// The same answer naming one more offending field.
    #[must_use]
    pub fn with(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.faults.push(Fault {
            field: field.into(),
            message: message.into(),
        });
        self
    }

    /// The same answer naming the domain's field errors.
    #[must_use]
    pub fn with_fields(self, faults: &[marketplace_domain::field::FieldError]) -> Self {
        faults
            .iter()
            .fold(self, |out, f| out.with(f.field, f.message.clone()))
    }

    /// What a person reads.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The offending inputs, for a program.
    #[must_use]
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketplace_domain::field::FieldError;

    #[test]
    fn a_field_fault_names_the_field_in_the_message_and_the_details() {
        let e = BadRequest::field("limit", "\"x\" is not a whole number");
        assert_eq!(e.message(), "invalid limit");
        assert_eq!(e.faults()[0].field, "limit");
        let e = BadRequest::new("invalid catalog query").with_fields(&[
            FieldError::new("search", "too long"),
            FieldError::new("tags", "too many"),
        ]);
        let fields: Vec<&str> = e.faults().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["search", "tags"]);
    }
}
