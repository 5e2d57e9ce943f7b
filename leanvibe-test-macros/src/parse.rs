//! Reads the `#[plugin_test(...)]` arguments, and the function's own
//! `#[ignore]`/`#[should_panic]`, into a [`Config`].
//!
//! Each value is checked on its own here (type and range); the rules between
//! keys are `valid`'s job. Every error is collected, none stops the parse.

use crate::config::{
    Config, Flavor, Generated, IgnoreCfg, KIB, Key, MIB, Origin, Param, Setting, ShouldPanicCfg,
    TestFn, to_bytes,
};
use crate::errors::Errors;
use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Error, Expr, ExprLit, Lit, LitStr, Meta, Path, Token, UnOp};

/// Parses the attribute's arguments into `config`.
pub(crate) fn parse_args(args: TokenStream, config: &mut Config, errors: &mut Errors) {
    let parser = Punctuated::<Meta, Token![,]>::parse_terminated;
    let Some(metas) = errors.check(parser.parse2(args)) else {
        return;
    };
    for meta in &metas {
        if let Err(error) = parse_key(meta, config) {
            errors.push(error);
        }
    }
}

/// Takes `#[ignore]`, `#[ignore = ".."]`, `#[should_panic]`,
/// `#[should_panic = ".."]` and `#[should_panic(expected = "..")]` off the
/// function into `config`, as `#[test]` users expect them to work.
pub(crate) fn take_fn_attrs(attrs: &mut Vec<Attribute>, config: &mut Config, errors: &mut Errors) {
    attrs.retain(|attr| {
        let result = if attr.path().is_ident("ignore") {
            ignore_attr(attr, config)
        } else if attr.path().is_ident("should_panic") {
            should_panic_attr(attr, config)
        } else {
            return true;
        };
        errors.check(result);
        false
    });
}

/// The function's model, with its parameters read as fixtures or, marked
/// `#[strategy(...)]`/`#[any]`, as generated arguments (the marks are taken
/// off the function: Rust allows no such attribute on a parameter).
pub(crate) fn test_fn(mut item: syn::ItemFn, errors: &mut Errors) -> TestFn {
    let params = params(&mut item.sig, Generating::Allowed, errors);
    TestFn { item, params }
}

/// Whether parameters may be generated (a `#[plugin_test]`'s) or are all
/// fixtures (a `#[fixture]`'s).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Generating {
    Allowed,
    InFixture,
}

/// The typed parameters of `sig`; a parameter that is a pattern rather than
/// a name is an error (a receiver is `valid`'s).
pub(crate) fn params(
    sig: &mut syn::Signature,
    generating: Generating,
    errors: &mut Errors,
) -> Vec<Param> {
    let mut params = Vec::new();
    for input in &mut sig.inputs {
        let syn::FnArg::Typed(param) = input else {
            continue;
        };
        let generated = take_generated(&mut param.attrs, generating, errors);
        match &*param.pat {
            syn::Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                params.push(Param {
                    ident: pat.ident.clone(),
                    ty: (*param.ty).clone(),
                    generated,
                });
            }
            pat => errors.push(Error::new_spanned(
                pat,
                "a test or fixture parameter must be a plain name, such as `db: Db`: the name \
                 selects the `#[fixture]` function that provides it",
            )),
        }
    }
    params
}

/// Takes `#[strategy(expr)]` and `#[any]` off a parameter.
fn take_generated(
    attrs: &mut Vec<syn::Attribute>,
    generating: Generating,
    errors: &mut Errors,
) -> Option<Generated> {
    let mut generated: Option<Generated> = None;
    attrs.retain(|attr| {
        let which = if attr.path().is_ident("strategy") {
            "strategy"
        } else if attr.path().is_ident("any") {
            "any"
        } else {
            return true;
        };
        if generating == Generating::InFixture {
            errors.push(Error::new_spanned(
                attr,
                format!(
                    "`#[{which}]` generates an argument of a property test (`#[plugin_test]`); \
                     a fixture's parameters are other fixtures"
                ),
            ));
            return false;
        }
        let this = match (which, &attr.meta) {
            ("strategy", Meta::List(list)) => match list.parse_args::<Expr>() {
                Ok(expr) => Some(Generated::Strategy(expr)),
                Err(e) => {
                    errors.push(Error::new(e.span(), format!("`#[strategy(...)]` takes one strategy expression: {e}")));
                    None
                }
            },
            ("strategy", _) => {
                errors.push(Error::new_spanned(
                    attr,
                    "expected `#[strategy(<strategy expression>)]`; for `any::<T>()` write `#[any]`",
                ));
                None
            }
            (_, Meta::Path(_)) => Some(Generated::Any),
            _ => {
                errors.push(Error::new_spanned(
                    attr,
                    "`#[any]` takes no arguments; for `any_with::<T>(...)` write \
                     `#[strategy(any_with::<T>(...))]`",
                ));
                None
            }
        };
        if generated.is_some() && this.is_some() {
            errors.push(Error::new_spanned(
                attr,
                "one generated argument, one strategy: keep either `#[strategy(...)]` or `#[any]`",
            ));
        } else if this.is_some() {
            generated = this;
        }
        false
    });
    generated
}

fn parse_key(meta: &Meta, config: &mut Config) -> syn::Result<()> {
    let path = meta.path();
    let Some(ident) = path.get_ident() else {
        return Err(Error::new_spanned(
            path,
            format!("expected a key; valid keys are: {}", Key::list()),
        ));
    };
    let name = ident.to_string();
    let Some(key) = Key::from_name(&name) else {
        return Err(Error::new(
            ident.span(),
            format!("unknown key `{name}`; valid keys are: {}", Key::list()),
        ));
    };
    let result = set_key(key, ident.span(), meta, config);
    // A key whose value was rejected still counts as given for cross-key rules;
    // a duplicate is already set, so recording it again changes nothing.
    if result.is_err() {
        config.rejected.push(key);
    }
    result
}

fn set_key(key: Key, key_span: Span, meta: &Meta, config: &mut Config) -> syn::Result<()> {
    // Not a closure: the values differ in type from key to key.
    fn setting<T>(value: T, key_span: Span, value_span: Span) -> Setting<T> {
        Setting::new(value, key_span, value_span, Origin::Key)
    }
    match key {
        Key::Ignore => {
            let value = match flag_or_string(meta, key)? {
                None => IgnoreCfg::Flag,
                Some(reason) => IgnoreCfg::Because(reason),
            };
            config.set_ignore(setting(value, key_span, meta.span()))
        }
        Key::ShouldPanic => {
            let value = match flag_or_string(meta, key)? {
                None => ShouldPanicCfg::Flag,
                Some(expected) => ShouldPanicCfg::WithMessage(expected),
            };
            config.set_should_panic(setting(value, key_span, meta.span()))
        }
        Key::TimeoutMs => {
            let (value, span) = integer(value(meta, key)?, key, 1)?;
            config.set_timeout_ms(setting(value, key_span, span))
        }
        Key::Tags => {
            let expr = value(meta, key)?;
            config.set_tags(setting(tags(expr)?, key_span, expr.span()))
        }
        Key::Flavor => {
            let lit = string(value(meta, key)?, key)?;
            let name = lit.value();
            let Some((_, flavor)) = Flavor::NAMES.into_iter().find(|(n, _)| *n == name) else {
                return Err(Error::new(
                    lit.span(),
                    format!(
                        "unknown flavor `{name}`; expected \"current_thread\" or \"multi_thread\""
                    ),
                ));
            };
            config.set_flavor(setting(flavor, key_span, lit.span()))
        }
        Key::WorkerThreads => {
            let (value, span) = integer(value(meta, key)?, key, 1)?;
            config.set_worker_threads(setting(value, key_span, span))
        }
        Key::StartPaused => {
            let expr = value(meta, key)?;
            match literal(expr) {
                Some((Lit::Bool(b), false)) => {
                    config.set_start_paused(setting(b.value, key_span, b.span))
                }
                _ => Err(expected(expr, key, "`true` or `false`")),
            }
        }
        Key::Crate => {
            let lit = string(value(meta, key)?, key)?;
            let path = lit.parse::<Path>().map_err(|_| {
                Error::new(
                    lit.span(),
                    "`crate` must name a path to the leanvibe-test crate, such as \
                     \"::leanvibe_test\" or \"crate::reexported\"",
                )
            })?;
            config.set_crate_path(setting(path, key_span, lit.span()))
        }
        Key::MaxMs
        | Key::MaxMb
        | Key::MaxKb
        | Key::MaxRssMb
        | Key::MeanMs
        | Key::P50Ms
        | Key::P95Ms
        | Key::P99Ms => {
            let (value, span) = positive_number(value(meta, key)?, key)?;
            let unit = match key {
                Key::MaxMb | Key::MaxRssMb => Some(MIB),
                Key::MaxKb => Some(KIB),
                _ => None,
            };
            if unit.is_some_and(|unit| to_bytes(value, unit).is_none()) {
                return Err(Error::new(
                    span,
                    format!("`{}` is too large for a byte count", key.name()),
                ));
            }
            config.set_budget_number(key, setting(value, key_span, span))
        }
        Key::Iterations | Key::Warmup | Key::Retries | Key::Cases | Key::MaxShrinkIters => {
            let min = if matches!(key, Key::Iterations | Key::Cases) {
                1
            } else {
                0
            };
            let (value, span) = integer(value(meta, key)?, key, min)?;
            config.set_budget_count(key, setting(value, key_span, span))
        }
        Key::Seed => {
            let (value, span) = integer(value(meta, key)?, key, 0)?;
            config.set_seed(setting(value, key_span, span))
        }
    }
}

/// `key` alone (`None`) or `key = "text"`.
fn flag_or_string(meta: &Meta, key: Key) -> syn::Result<Option<LitStr>> {
    match meta {
        Meta::Path(_) => Ok(None),
        Meta::NameValue(nv) => string(&nv.value, key).map(Some),
        Meta::List(_) => Err(Error::new_spanned(
            meta,
            format!(
                "expected `{0}` or `{0} = \"...\"`; `#[plugin_test]` takes no `{0}(...)`",
                key.name()
            ),
        )),
    }
}

/// The value of `key = value`.
fn value(meta: &Meta, key: Key) -> syn::Result<&Expr> {
    match meta {
        Meta::NameValue(nv) => Ok(&nv.value),
        _ => Err(Error::new_spanned(
            meta,
            format!("`{}` needs a value, as in `{}`", key.name(), example(key)),
        )),
    }
}

/// How a correct use of `key` looks, for error messages.
fn example(key: Key) -> &'static str {
    match key {
        Key::Ignore => "ignore = \"reason\"",
        Key::ShouldPanic => "should_panic = \"expected text\"",
        Key::TimeoutMs => "timeout_ms = 5000",
        Key::Tags => "tags = [\"slow\", \"network\"]",
        Key::Flavor => "flavor = \"multi_thread\"",
        Key::WorkerThreads => "worker_threads = 2",
        Key::StartPaused => "start_paused = true",
        Key::Crate => "crate = \"::leanvibe_test\"",
        Key::MaxMs => "max_ms = 250",
        Key::MaxMb => "max_mb = 1.5",
        Key::MaxKb => "max_kb = 512",
        Key::MaxRssMb => "max_rss_mb = 64",
        Key::Iterations => "iterations = 100",
        Key::Warmup => "warmup = 10",
        Key::MeanMs => "mean_ms = 2.5",
        Key::P50Ms => "p50_ms = 2",
        Key::P95Ms => "p95_ms = 5",
        Key::P99Ms => "p99_ms = 10",
        Key::Retries => "retries = 2",
        Key::Cases => "cases = 256",
        Key::MaxShrinkIters => "max_shrink_iters = 1024",
        Key::Seed => "seed = 42",
    }
}

fn expected(expr: &Expr, key: Key, what: &str) -> Error {
    Error::new_spanned(
        expr,
        format!(
            "expected {what} for `{}`, as in `{}`",
            key.name(),
            example(key)
        ),
    )
}

/// A literal, possibly negated (`-5`): the literal and whether it was.
fn literal(expr: &Expr) -> Option<(Lit, bool)> {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => Some((lit.clone(), false)),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => {
            literal(&unary.expr).map(|(lit, negative)| (lit, !negative))
        }
        // Tokens passed through a `macro_rules!` fragment arrive grouped.
        Expr::Group(group) => literal(&group.expr),
        _ => None,
    }
}

fn string(expr: &Expr, key: Key) -> syn::Result<LitStr> {
    match literal(expr) {
        Some((Lit::Str(lit), false)) => Ok(lit),
        _ => Err(expected(expr, key, "a string")),
    }
}

/// A whole number `>= min` that fits `N`.
fn integer<N: TryFrom<u64>>(expr: &Expr, key: Key, min: u64) -> syn::Result<(N, Span)> {
    let name = key.name();
    let Some((Lit::Int(lit), negative)) = literal(expr) else {
        return Err(expected(expr, key, "an integer"));
    };
    let out_of_range = || {
        let bound = if min == 0 {
            "cannot be negative"
        } else {
            "must be at least 1"
        };
        Error::new_spanned(expr, format!("`{name}` {bound}, got {}", expr_text(expr)))
    };
    if negative {
        return Err(out_of_range());
    }
    let too_large = || Error::new(lit.span(), format!("`{name}` is too large"));
    let value: u64 = lit.base10_parse().map_err(|_| too_large())?;
    if value < min {
        return Err(out_of_range());
    }
    let value = N::try_from(value).map_err(|_| too_large())?;
    Ok((value, lit.span()))
}

/// An integer or float literal greater than 0.
fn positive_number(expr: &Expr, key: Key) -> syn::Result<(f64, Span)> {
    let parsed = match literal(expr) {
        Some((Lit::Int(lit), negative)) => lit.base10_parse::<f64>().map(|v| (v, negative)),
        Some((Lit::Float(lit), negative)) => lit.base10_parse::<f64>().map(|v| (v, negative)),
        _ => return Err(expected(expr, key, "a number")),
    };
    let (value, negative) = parsed?;
    let value = if negative { -value } else { value };
    if !value.is_finite() || value <= 0.0 {
        return Err(Error::new_spanned(
            expr,
            format!(
                "`{}` must be greater than 0, got {}",
                key.name(),
                expr_text(expr)
            ),
        ));
    }
    Ok((value, expr.span()))
}

/// `expr` as the user wrote it, for messages (`- 5` printed as `-5`).
fn expr_text(expr: &Expr) -> String {
    quote::quote!(#expr).to_string().replace(' ', "")
}

fn tags(expr: &Expr) -> syn::Result<Vec<LitStr>> {
    let Expr::Array(array) = expr else {
        return Err(expected(expr, Key::Tags, "a list of strings"));
    };
    let mut tags: Vec<LitStr> = Vec::new();
    let mut errors = Errors::default();
    for elem in &array.elems {
        let Some(tag) = errors.check(string(elem, Key::Tags)) else {
            continue;
        };
        if tag.value().trim().is_empty() {
            errors.at(tag.span(), "a tag cannot be empty");
        } else if tags.iter().any(|seen| seen.value() == tag.value()) {
            errors.at(tag.span(), format!("duplicate tag \"{}\"", tag.value()));
        } else {
            tags.push(tag);
        }
    }
    errors.finish().map(|()| tags)
}

fn ignore_attr(attr: &Attribute, config: &mut Config) -> syn::Result<()> {
    let value = match &attr.meta {
        Meta::Path(_) => IgnoreCfg::Flag,
        Meta::NameValue(nv) => match literal(&nv.value) {
            Some((Lit::Str(reason), false)) => IgnoreCfg::Because(reason),
            _ => return Err(bad_attr(attr, "`#[ignore]` or `#[ignore = \"reason\"]`")),
        },
        Meta::List(_) => return Err(bad_attr(attr, "`#[ignore]` or `#[ignore = \"reason\"]`")),
    };
    let span = attr.path().span();
    config.set_ignore(Setting::new(value, span, span, Origin::Attribute))
}

fn should_panic_attr(attr: &Attribute, config: &mut Config) -> syn::Result<()> {
    const FORMS: &str = "`#[should_panic]` or `#[should_panic(expected = \"text\")]`";
    let value = match &attr.meta {
        Meta::Path(_) => ShouldPanicCfg::Flag,
        Meta::NameValue(nv) => match literal(&nv.value) {
            Some((Lit::Str(expected), false)) => ShouldPanicCfg::WithMessage(expected),
            _ => return Err(bad_attr(attr, FORMS)),
        },
        Meta::List(_) => {
            let mut expected = None;
            attr.parse_nested_meta(|nested| {
                if !nested.path.is_ident("expected") || expected.is_some() {
                    return Err(nested.error(format!("expected {FORMS}")));
                }
                expected = Some(nested.value()?.parse::<LitStr>()?);
                Ok(())
            })?;
            match expected {
                Some(expected) => ShouldPanicCfg::WithMessage(expected),
                None => return Err(bad_attr(attr, FORMS)),
            }
        }
    };
    let span = attr.path().span();
    config.set_should_panic(Setting::new(value, span, span, Origin::Attribute))
}

fn bad_attr(attr: &Attribute, forms: &str) -> Error {
    Error::new_spanned(attr, format!("expected {forms}"))
}
