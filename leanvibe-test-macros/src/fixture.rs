//! `#[fixture]`: the same stages as `#[plugin_test]` (parse the arguments,
//! validate the function, expand), for a smaller attribute.
//!
//! The function is emitted unchanged. Beside it goes a hidden companion: an
//! empty struct with the function's name (types and functions live in
//! separate namespaces, so both coexist, and `use module::db;` imports both)
//! implementing `__private::Fixture<P>` for the parameter type `P` it
//! provides. `inject` generates the tests' side.

use crate::config::{FixtureConfig, FixtureFn, Origin, Scope, Setting};
use crate::errors::Errors;
use crate::{inject, parse};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Error, Expr, ExprLit, Lit, LitStr, Meta, Path, ReturnType, Token, Type};

/// The keys `#[fixture(...)]` accepts.
const KEYS: &str = "scope, crate";

/// The whole `#[fixture(args)] item` expansion.
pub(crate) fn fixture(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut config = FixtureConfig::default();
    parse_args(args, &mut config, &mut errors);
    let mut item = match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(item) => item,
        Err(_) => {
            if let Ok(other) = syn::parse2::<syn::Item>(item.clone()) {
                errors.at(other.span(), "`#[fixture]` goes on a function");
            }
            let errors = errors.finish().err().map(Error::into_compile_error);
            return quote!(#errors #item);
        }
    };
    let params = parse::params(&mut item.sig, parse::Generating::InFixture, &mut errors);
    let fixture = FixtureFn { item, params };
    let value_ty = check(&fixture, &mut errors);
    match (errors.finish(), value_ty) {
        (Ok(()), Some(value_ty)) => expand(&config, &fixture, &value_ty),
        (result, _) => {
            let errors = result.err().map(Error::into_compile_error);
            let item = &fixture.item;
            quote! {
                #errors
                #item
            }
        }
    }
}

// ---- parse ----

fn parse_args(args: TokenStream, config: &mut FixtureConfig, errors: &mut Errors) {
    let parser = Punctuated::<Meta, Token![,]>::parse_terminated;
    let Some(metas) = errors.check(parser.parse2(args)) else {
        return;
    };
    for meta in &metas {
        errors.check(parse_key(meta, config));
    }
}

fn parse_key(meta: &Meta, config: &mut FixtureConfig) -> syn::Result<()> {
    let path = meta.path();
    let name = path.get_ident().map(|ident| ident.unraw().to_string());
    match name.as_deref() {
        Some("scope") => {
            let lit = string_value(meta, "scope = \"worker\"")?;
            let value = lit.value();
            let Some((_, scope)) = Scope::NAMES.into_iter().find(|(n, _)| *n == value) else {
                return Err(Error::new(
                    lit.span(),
                    format!("unknown scope `{value}`; valid scopes are: \"test\", \"worker\""),
                ));
            };
            set(
                &mut config.scope,
                "scope",
                Setting::new(scope, path.span(), lit.span(), Origin::Key),
            )
        }
        Some("crate") => {
            let lit = string_value(meta, "crate = \"::leanvibe_test\"")?;
            let crate_path = lit.parse::<Path>().map_err(|_| {
                Error::new(
                    lit.span(),
                    "`crate` must name a path to the leanvibe-test crate, such as \
                     \"::leanvibe_test\"",
                )
            })?;
            set(
                &mut config.crate_path,
                "crate",
                Setting::new(crate_path, path.span(), lit.span(), Origin::Key),
            )
        }
        Some(other) => Err(Error::new_spanned(
            path,
            format!("unknown key `{other}`; valid keys are: {KEYS}"),
        )),
        None => Err(Error::new_spanned(
            path,
            format!("expected a key; valid keys are: {KEYS}"),
        )),
    }
}

fn string_value(meta: &Meta, example: &str) -> syn::Result<LitStr> {
    if let Meta::NameValue(nv) = meta
        && let Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) = &nv.value
    {
        return Ok(lit.clone());
    }
    Err(Error::new_spanned(
        meta,
        format!("expected a string value, as in `{example}`"),
    ))
}

fn set<T>(slot: &mut Option<Setting<T>>, key: &str, new: Setting<T>) -> syn::Result<()> {
    if slot.is_some() {
        return Err(Error::new(new.key_span, format!("duplicate key `{key}`")));
    }
    *slot = Some(new);
    Ok(())
}

// ---- validate ----

/// Checks the signature; returns the type of the fixture's value (the `Ok`
/// type of a `Result`), unless it cannot be told.
fn check(fixture: &FixtureFn, errors: &mut Errors) -> Option<Type> {
    let sig = &fixture.item.sig;
    if !sig.generics.params.is_empty() {
        errors.push(Error::new_spanned(
            &sig.generics,
            "a `#[fixture]` function cannot be generic: tests select it by name alone, with no \
             types to instantiate it with",
        ));
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        errors.push(Error::new_spanned(
            where_clause,
            "a `#[fixture]` function cannot have a `where` clause",
        ));
    }
    if let Some(receiver) = sig.receiver() {
        errors.push(Error::new_spanned(
            receiver,
            "`#[fixture]` goes on a free function, not a method: tests name it by parameter",
        ));
    }
    if let syn::Safety::Unsafe(token) = &sig.safety {
        errors.at(
            token.span,
            "a `#[fixture]` function cannot be `unsafe`: tests call it as safe code",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(Error::new_spanned(
            variadic,
            "a `#[fixture]` function cannot be variadic",
        ));
    }
    value_type(&sig.output, errors)
}

/// `T` for `-> T` and for `-> Result<T, E>` (any path ending in `Result`
/// with a first type argument: `io::Result<T>` too), `()` without a type.
fn value_type(output: &ReturnType, errors: &mut Errors) -> Option<Type> {
    let ty = match output {
        ReturnType::Default => return Some(syn::parse_quote!(())),
        ReturnType::Type(_, ty) => &**ty,
    };
    if let Type::ImplTrait(_) = ty {
        errors.push(Error::new_spanned(
            ty,
            "a fixture must name the type it returns: tests take it as a parameter of that \
             type; `impl Trait` cannot be named there",
        ));
        return None;
    }
    let Some(result) = result_segment(ty) else {
        return Some(ty.clone());
    };
    let ok = match &result.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty.clone()),
            _ => None,
        }),
        _ => None,
    };
    if ok.is_none() {
        errors.push(Error::new_spanned(
            ty,
            "cannot tell the value type of this `Result`; write it as `Result<T, E>`",
        ));
    }
    ok
}

fn result_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .filter(|segment| segment.ident == "Result"),
        Type::Group(group) => result_segment(&group.elem),
        Type::Paren(paren) => result_segment(&paren.elem),
        _ => None,
    }
}

// ---- expand ----

fn expand(config: &FixtureConfig, fixture: &FixtureFn, value_ty: &Type) -> TokenStream {
    let item = &fixture.item;
    let ident = &item.sig.ident;
    let vis = &item.vis;
    let krate = match &config.crate_path {
        Some(path) => path.value.to_token_stream(),
        None => quote!(::leanvibe_test),
    };
    let p = quote!(#krate::__private);
    let name = ident.unraw().to_string();
    let returns_result = match &item.sig.output {
        ReturnType::Type(_, ty) => result_segment(ty).is_some(),
        ReturnType::Default => false,
    };
    let locals = inject::locals(&fixture.params);
    let check_ok = |value: TokenStream| {
        if returns_result {
            quote!(#p::ok(#name, #value))
        } else {
            value
        }
    };
    // The fixture's own code, run under a guard that turns a panic into a
    // setup error naming it: sync, and async (a future to await).
    let setup_sync = inject::setup_sync(&p, &fixture.params);
    let setup_async = inject::setup_async(&p, &fixture.params);
    let (build_sync, build_async) = if fixture.is_async() {
        let build = check_ok(quote!(#p::build_async(#name, #ident(#(#locals),*)).await));
        (None, quote!({ #setup_async #build }))
    } else {
        let build = check_ok(quote!(#p::build(#name, move || #ident(#(#locals),*))));
        (
            Some(quote!({ #setup_sync #build })),
            quote!({ #setup_sync #build }),
        )
    };
    let companion = quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #ident {}
    };
    let impls = match (config.scope(), build_sync) {
        (Scope::Test, Some(build_sync)) => quote! {
            impl #p::Fixture<#value_ty> for #ident {
                async fn setup() -> #value_ty {
                    <Self as #p::Fixture<#value_ty>>::setup_sync()
                }
                fn setup_sync() -> #value_ty #build_sync
            }
            impl #p::SyncSetup for #ident {}
        },
        (Scope::Test, None) => quote! {
            impl #p::Fixture<#value_ty> for #ident {
                async fn setup() -> #value_ty #build_async
                fn setup_sync() -> #value_ty {
                    // `__private::setup_sync` requires `SyncSetup`, which a
                    // per-test async fixture does not implement.
                    ::core::unreachable!("a per-test async fixture needs a runtime")
                }
            }
        },
        (Scope::Worker, build_sync) => {
            let cell = quote! {
                impl #ident {
                    fn __leanvibe_cell() -> &'static #p::WorkerCell<#value_ty> {
                        static CELL: #p::WorkerCell<#value_ty> = #p::WorkerCell::new();
                        &CELL
                    }
                }
            };
            let (setup, setup_sync) = match build_sync {
                Some(build_sync) => (
                    quote!(<Self as #p::Fixture<&'__leanvibe #value_ty>>::setup_sync()),
                    quote!(#ident::__leanvibe_cell().get_or_build(|| #build_sync)),
                ),
                // An async worker-scope value outlives the test's runtime:
                // it is built on the worker's own runtime.
                None => (
                    quote! {
                        #ident::__leanvibe_cell()
                            .get_or_build_async(#p::on_worker_runtime(#name, async move #build_async))
                            .await
                    },
                    quote! {
                        #ident::__leanvibe_cell().get_or_build(|| {
                            #p::on_worker_runtime_blocking(#name, async move #build_async)
                        })
                    },
                ),
            };
            quote! {
                #cell
                impl<'__leanvibe> #p::Fixture<&'__leanvibe #value_ty> for #ident {
                    async fn setup() -> &'__leanvibe #value_ty {
                        #setup
                    }
                    fn setup_sync() -> &'__leanvibe #value_ty {
                        #setup_sync
                    }
                }
                impl #p::SyncSetup for #ident {}
            }
        }
    };
    quote! {
        #item
        #companion
        #impls
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn value_of(output: ReturnType) -> Option<String> {
        let mut errors = Errors::default();
        let ty = value_type(&output, &mut errors);
        assert!(errors.finish().is_ok() || ty.is_none());
        ty.map(|ty| ty.to_token_stream().to_string().replace(' ', ""))
    }

    #[test]
    fn the_value_of_a_result_is_its_ok_type() {
        assert_eq!(value_of(syn::parse_quote!(-> Db)), Some("Db".into()));
        assert_eq!(
            value_of(syn::parse_quote!(-> Result<Config, String>)),
            Some("Config".into())
        );
        assert_eq!(
            value_of(syn::parse_quote!(-> std::io::Result<Vec<u8>>)),
            Some("Vec<u8>".into())
        );
        assert_eq!(value_of(ReturnType::Default), Some("()".into()));
        assert_eq!(value_of(syn::parse_quote!(-> Result)), None);
        assert_eq!(
            value_of(syn::parse_quote!(-> impl Iterator<Item = u8>)),
            None
        );
    }

    #[test]
    fn unknown_scope_lists_the_valid_ones() {
        let mut config = FixtureConfig::default();
        let mut errors = Errors::default();
        parse_args(quote!(scope = "suite"), &mut config, &mut errors);
        let message = errors.finish().unwrap_err().to_string();
        assert_eq!(
            message,
            "unknown scope `suite`; valid scopes are: \"test\", \"worker\""
        );
        let mut errors = Errors::default();
        parse_args(quote!(scope = "worker"), &mut config, &mut errors);
        assert!(errors.finish().is_ok());
        assert_eq!(config.scope(), Scope::Worker);
    }
}
