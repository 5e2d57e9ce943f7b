//! Attribute macros of `leanvibe-test`. Use them through the runtime crate,
//! which documents them: `leanvibe_test::plugin_test`.
//!
//! The expansion is staged, as in `thiserror`'s impl crate: `parse` reads the
//! attribute into the typed model of `config`, `valid` checks the rules
//! between keys and the function's signature, `expand` generates the code.
//! `fixture` runs the same stages for `#[fixture]`; `inject` generates the
//! code that builds a test's (or fixture's) parameters from fixtures.
//! `security` runs them for `#[security_suite]`, reusing `expand`'s
//! registration with one test per vector.

mod config;
mod errors;
mod expand;
mod fixture;
mod inject;
mod parse;
mod property;
mod security;
mod valid;

use proc_macro::TokenStream;

/// Registers a test with the `leanvibe-test` harness; documented on
/// `leanvibe_test::plugin_test`.
#[proc_macro_attribute]
pub fn plugin_test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::plugin_test(args.into(), item.into()).into()
}

/// Declares a fixture that tests take by parameter name; documented on
/// `leanvibe_test::fixture`.
#[proc_macro_attribute]
pub fn fixture(args: TokenStream, item: TokenStream) -> TokenStream {
    fixture::fixture(args.into(), item.into()).into()
}

/// Registers one security test per attack vector for a function; documented
/// on `leanvibe_test::security_suite`.
#[proc_macro_attribute]
pub fn security_suite(args: TokenStream, item: TokenStream) -> TokenStream {
    security::security_suite(args.into(), item.into()).into()
}
