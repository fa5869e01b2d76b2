//! Query strings parsed into typed structs. The struct's `IntoParams` derive documents the
//! parameters in the OpenAPI document and is also the list of keys the endpoint accepts:
//! any other key is refused, so a misspelt filter is never silently ignored.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;
use utoipa::openapi::path::ParameterIn;

use super::BadRequest;
use super::query_de::{from_pairs, group};
use crate::error::ApiError;

/// The query string of a request as `T`. Repeated keys (`?tier=A&tier=B`) and
/// comma-separated values (`?tier=A,B`) fill a `Vec` field.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + IntoParams> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            parse::<T>(req.query_string())
                .map(Self)
                .map_err(ApiError::from),
        )
    }
}

/// The query of an endpoint that takes none: any key is refused.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoQuery {}

/// Parses a raw query string as `T`, refusing keys `T` does not document.
///
/// # Errors
/// [`BadRequest`] naming an unknown key, or the key whose value does not parse.
pub fn parse<T: DeserializeOwned + IntoParams>(query: &str) -> Result<T, BadRequest> {
    let known: Vec<String> = T::into_params(|| Some(ParameterIn::Query))
        .into_iter()
        .map(|p| p.name)
        .collect();
    let pairs = group(query);
    if let Some((key, _)) = pairs.iter().find(|(k, _)| !known.contains(k)) {
        return Err(BadRequest::new(format!("unknown query parameter {key:?}"))
            .with(key.clone(), format!("expected one of {}", known.join(", "))));
    }
    from_pairs(pairs).map_err(|e| match e.field {
        Some(field) => BadRequest::field(field, e.message),
        None => BadRequest::new(format!("a query parameter is malformed: {}", e.message)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A filter with every kind of field.
    #[derive(Debug, Deserialize, IntoParams)]
    #[into_params(parameter_in = Query)]
    struct Filter {
        /// Repeated or comma-separated.
        #[serde(default)]
        tag: Vec<String>,
        limit: Option<u32>,
        search: Option<String>,
        #[param(required = true, value_type = String)]
        month: Option<String>,
        #[serde(default)]
        featured: bool,
    }

    #[test]
    fn repeated_keys_and_commas_fill_a_list_in_order() {
        let f: Filter = parse("tag=a&tag=b,c&tag=&limit=5&month=2025-03").unwrap();
        assert_eq!(f.tag, ["a", "b", "c"]);
        assert_eq!(f.limit, Some(5));
        assert_eq!(f.month.as_deref(), Some("2025-03"));
        assert!(!f.featured);
    }

    #[test]
    fn a_single_value_is_taken_as_given_and_the_first_one_wins() {
        let f: Filter = parse("search=a%2Cb+c&search=second&featured=true").unwrap();
        assert_eq!(f.search.as_deref(), Some("a,b c"));
        assert!(f.featured);
    }

    #[test]
    fn an_unknown_key_is_refused_with_the_accepted_ones() {
        let e = parse::<Filter>("limit=5&colour=red").unwrap_err();
        assert_eq!(e.faults()[0].field, "colour");
        assert!(
            e.faults()[0]
                .message
                .contains("tag, limit, search, month, featured")
        );
        let e = parse::<NoQuery>("x=1").unwrap_err();
        assert_eq!(e.faults()[0].field, "x");
        assert!(parse::<NoQuery>("").is_ok());
    }

    #[test]
    fn a_value_that_does_not_parse_names_its_key() {
        let e = parse::<Filter>("limit=abc").unwrap_err();
        assert_eq!(e.message(), "invalid limit");
        assert_eq!(e.faults()[0].message, "\"abc\" is not a whole number");
        let e = parse::<Filter>("limit=-1").unwrap_err();
        assert_eq!(e.faults()[0].field, "limit");
    }

    #[test]
    fn the_documented_keys_are_the_accepted_ones() {
        let names: Vec<String> = Filter::into_params(|| Some(ParameterIn::Query))
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, ["tag", "limit", "search", "month", "featured"]);
    }
}
