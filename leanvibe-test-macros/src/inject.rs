//! Code that builds the fixtures a test or fixture takes, by parameter name.
//!
//! For parameter `db: Db` the generated code asks the companion `db` (a
//! hidden struct `#[fixture]` emits beside `fn db`) for a `Db`. Resolving
//! `db` is Rust's own name resolution, so a test sees exactly the fixtures in
//! scope, `use`d ones included. Every token of one request carries the
//! parameter's span: a missing fixture, a wrong type or an async fixture in a
//! sync test is reported on the parameter.

use crate::config::Param;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote_spanned};
use syn::spanned::Spanned;

/// The local variable that holds the value of the `index`-th parameter.
pub(crate) fn local(index: usize) -> Ident {
    format_ident!("__leanvibe_fixture_{}", index)
}

/// The locals of all parameters, in order, for the call.
pub(crate) fn locals(params: &[Param]) -> Vec<Ident> {
    (0..params.len()).map(local).collect()
}

/// The locals of the fixtures only (a property test's generated arguments
/// left out).
pub(crate) fn fixture_locals(params: &[Param]) -> Vec<Ident> {
    (0..params.len())
        .filter(|i| params[*i].generated.is_none())
        .map(local)
        .collect()
}

/// The locals of a property test's generated arguments, in order.
pub(crate) fn generated_locals(params: &[Param]) -> Vec<Ident> {
    (0..params.len())
        .filter(|i| params[*i].generated.is_some())
        .map(local)
        .collect()
}

fn span(param: &Param) -> Span {
    param
        .ident
        .span()
        .join(param.ty.span())
        .unwrap_or_else(|| param.ident.span())
}

/// `let __leanvibe_fixture_0 = <sync setup of db>; ...` for sync code.
/// Generated arguments of a property test are not fixtures: skipped.
pub(crate) fn setup_sync(p: &TokenStream, params: &[Param]) -> TokenStream {
    params
        .iter()
        .enumerate()
        .filter(|(_, param)| param.generated.is_none())
        .map(|(index, param)| {
            let (local, name, ty) = (local(index), &param.ident, &param.ty);
            quote_spanned! {span(param)=>
                let #local = #p::setup_sync::<(#name), #ty>();
            }
        })
        .collect()
}

/// The same for async code: each fixture awaited in order.
pub(crate) fn setup_async(p: &TokenStream, params: &[Param]) -> TokenStream {
    params
        .iter()
        .enumerate()
        .filter(|(_, param)| param.generated.is_none())
        .map(|(index, param)| {
            let (local, name, ty) = (local(index), &param.ident, &param.ty);
            quote_spanned! {span(param)=>
                let #local = #p::setup_async::<(#name), #ty>().await;
            }
        })
        .collect()
}
