//! `#[security_suite]`: the same stages as `#[plugin_test]` (parse, then
//! validate, then expand), over the shared [`Config`] plus the vectors.
//!
//! The function is emitted unchanged, followed by a hidden call shim and one
//! registered test per vector, named `<fn>::<vector>` (the registered name
//! carries the `::`, so `full_name()` reads as if the tests sat in a module
//! named after the function). Everything is emitted beside the function,
//! with no module in between, so it also works where items are local to a
//! block (a doctest's `main`). On any error every error is emitted with the
//! function alone.

use crate::config::{Config, Key, TestFn};
use crate::errors::Errors;
use crate::expand::{self, Case};
use crate::{parse, valid};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, FnArg, Item, Meta, ReturnType, Token, Type};

/// The vectors, as the runtime's `security::Vector` names them, with
/// whether each needs `probe: &Probe`. Kept in step with the runtime by the
/// generated code, which names each variant: a mismatch fails to compile.
const VECTORS: [(&str, bool); 14] = [
    ("sql_injection", false),
    ("xss", false),
    ("path_traversal", true),
    ("command_injection", false),
    ("template_injection", false),
    ("ldap_injection", false),
    ("xxe", false),
    ("header_injection", false),
    ("log_injection", false),
    ("ssrf", false),
    ("prototype_pollution", false),
    ("secrets", true),
    ("oversize", false),
    ("auth_bypass", true),
];

/// Why a vector needs the probe, for the error.
fn needs_probe_because(name: &str) -> &'static str {
    match name {
        "path_traversal" => "the payload alone cannot reach the sandbox root",
        "secrets" => "the function must hold the probe's generated secrets",
        _ => "the function must check the probe's credentials",
    }
}

/// Keys of `#[plugin_test]` that also apply here (with `vectors`).
const KEYS: [Key; 10] = [
    Key::Ignore,
    Key::TimeoutMs,
    Key::Tags,
    Key::Flavor,
    Key::WorkerThreads,
    Key::StartPaused,
    Key::Crate,
    Key::MaxMs,
    Key::MaxMb,
    Key::MaxKb,
];

fn key_list() -> String {
    let mut names = vec!["vectors", "mutations"];
    names.extend(KEYS.iter().map(|k| k.name()));
    names.join(", ")
}

/// What the function takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Input {
    /// `payload: &str`.
    Payload,
    /// `probe: &Probe`.
    Probe,
}

/// One vector as written.
struct VectorName {
    name: String,
    span: Span,
}

/// The whole `#[security_suite(args)] item` expansion.
pub(crate) fn security_suite(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut config = Config::default();
    let mut mutations = None;
    let vectors = parse_args(args, &mut config, &mut mutations, &mut errors);
    let mut func = match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            if let Ok(other) = syn::parse2::<Item>(item.clone()) {
                errors.push(expand::not_a_function(&other, "security_suite"));
            }
            let errors = errors.finish().err().map(syn::Error::into_compile_error);
            return quote!(#errors #item);
        }
    };
    parse::take_fn_attrs(&mut func.attrs, &mut config, &mut errors);
    let test_fn = TestFn {
        item: func,
        params: Vec::new(),
    };
    // Reported here, not by `valid`, whose `should_panic` rules are
    // about `#[plugin_test]`.
    let should_panic = config.should_panic.take();
    valid::check(&config, &test_fn, &mut errors);
    if let Some(should_panic) = &should_panic {
        errors.at(
            should_panic.key_span,
            "`should_panic` does not apply to a security suite: a panic on any payload is a \
             finding",
        );
    }
    let input = input(&test_fn.item.sig, &mut errors);
    let vectors = resolve(vectors, input, &mut errors);
    match errors.finish() {
        Ok(()) => expand(
            &config,
            &test_fn,
            input.unwrap_or(Input::Probe),
            &vectors,
            mutations,
        ),
        Err(error) => expand::fallback(&test_fn, error),
    }
}

/// Takes `vectors = [...]` out of the arguments and hands the keys shared
/// with `#[plugin_test]` to its parser. `None`: no `vectors` key.
fn parse_args(
    args: TokenStream,
    config: &mut Config,
    mutations: &mut Option<u32>,
    errors: &mut Errors,
) -> Option<Vec<VectorName>> {
    let parser = Punctuated::<Meta, Token![,]>::parse_terminated;
    let metas = errors.check(parser.parse2(args))?;
    let mut vectors: Option<Vec<VectorName>> = None;
    let mut shared = Punctuated::<Meta, Token![,]>::new();
    for meta in metas {
        let name = meta.path().get_ident().map(|i| i.to_string());
        match name.as_deref() {
            Some("vectors") => {
                if vectors.is_some() {
                    errors.push(syn::Error::new_spanned(
                        meta.path(),
                        "duplicate key `vectors`",
                    ));
                    continue;
                }
                vectors = Some(vector_list(&meta, errors));
            }
            Some("mutations") => {
                let value = match &meta {
                    Meta::NameValue(nv) => match &nv.value {
                        Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Int(lit),
                            ..
                        }) => lit.base10_parse::<u32>().ok(),
                        _ => None,
                    },
                    _ => None,
                };
                match value {
                    _ if mutations.is_some() => errors.push(syn::Error::new_spanned(meta.path(), "duplicate key `mutations`")),
                    Some(n) => *mutations = Some(n),
                    None => errors.push(syn::Error::new_spanned(
                        &meta,
                        "expected a whole number for `mutations`, as in `mutations = 64` (mutation cases per vector after its corpus; needs the `proptest` feature)",
                    )),
                }
            }
            Some(name) if KEYS.iter().any(|k| k.name() == name) => shared.push(meta),
            Some(name) if Key::from_name(name).is_some() => errors.push(syn::Error::new_spanned(
                meta.path(),
                format!(
                    "`{name}` does not apply to a security suite; valid keys are: {}",
                    key_list()
                ),
            )),
            _ => errors.push(syn::Error::new_spanned(
                meta.path(),
                format!(
                    "unknown key `{}`; valid keys are: {}",
                    meta.path().to_token_stream().to_string().replace(' ', ""),
                    key_list()
                ),
            )),
        }
    }
    parse::parse_args(shared.to_token_stream(), config, errors);
    vectors
}

/// `vectors = [xss, sql_injection]`: names only; `resolve` checks them.
fn vector_list(meta: &Meta, errors: &mut Errors) -> Vec<VectorName> {
    let example = "vectors = [xss, sql_injection]";
    let Meta::NameValue(nv) = meta else {
        errors.push(syn::Error::new_spanned(
            meta,
            format!("`vectors` needs a list, as in `{example}`"),
        ));
        return Vec::new();
    };
    let Expr::Array(array) = &nv.value else {
        errors.push(syn::Error::new_spanned(
            &nv.value,
            format!("expected a list of vector names for `vectors`, as in `{example}`"),
        ));
        return Vec::new();
    };
    if array.elems.is_empty() {
        errors.push(syn::Error::new_spanned(
            array,
            "`vectors` is empty: name at least one vector, or leave the key out to run every \
             vector that applies",
        ));
    }
    let mut names = Vec::new();
    for elem in &array.elems {
        match elem {
            Expr::Path(path) if path.path.get_ident().is_some() => {
                let ident = path.path.get_ident().expect("checked");
                names.push(VectorName {
                    name: ident.to_string(),
                    span: ident.span(),
                });
            }
            other => errors.push(syn::Error::new_spanned(
                other,
                format!(
                    "expected a vector name, such as `xss`; valid vectors are: {}",
                    vector_list_text()
                ),
            )),
        }
    }
    names
}

fn vector_list_text() -> String {
    let names: Vec<&str> = VECTORS.iter().map(|(n, _)| *n).collect();
    names.join(", ")
}

/// Whether the function takes the payload or the probe, from its one
/// parameter's type; `None` after an error.
fn input(sig: &syn::Signature, errors: &mut Errors) -> Option<Input> {
    const FORMS: &str = "`payload: &str` or `probe: &Probe`";
    let typed: Vec<&syn::PatType> = sig
        .inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Typed(typed) => Some(typed),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let Some(first) = typed.first() else {
        errors.at(
            sig.paren_token.span.join(),
            format!("a `#[security_suite]` function takes one parameter: {FORMS}"),
        );
        return None;
    };
    for extra in &typed[1..] {
        errors.push(syn::Error::new_spanned(
            extra,
            format!("a `#[security_suite]` function takes exactly one parameter, {FORMS}"),
        ));
    }
    let Type::Reference(reference) = &*first.ty else {
        errors.push(syn::Error::new_spanned(
            &first.ty,
            format!("expected {FORMS}: the suite lends each payload"),
        ));
        return None;
    };
    let Type::Path(path) = &*reference.elem else {
        errors.push(syn::Error::new_spanned(
            &first.ty,
            format!("expected {FORMS}"),
        ));
        return None;
    };
    match path
        .path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .as_deref()
    {
        Some("str") => Some(Input::Payload),
        Some("Probe") => Some(Input::Probe),
        _ => {
            errors.push(syn::Error::new_spanned(
                &first.ty,
                format!("expected {FORMS}"),
            ));
            None
        }
    }
}

/// The vectors to register: those named (checked), or every vector that
/// applies to `input`.
fn resolve(
    named: Option<Vec<VectorName>>,
    input: Option<Input>,
    errors: &mut Errors,
) -> Vec<(String, Span)> {
    let Some(named) = named else {
        return VECTORS
            .iter()
            .filter(|(_, needs_probe)| input != Some(Input::Payload) || !needs_probe)
            .map(|(name, _)| (name.to_string(), Span::call_site()))
            .collect();
    };
    let mut out: Vec<(String, Span)> = Vec::new();
    for vector in named {
        let Some((_, needs_probe)) = VECTORS.iter().find(|(n, _)| *n == vector.name) else {
            errors.at(
                vector.span,
                format!(
                    "unknown vector `{}`; valid vectors are: {}",
                    vector.name,
                    vector_list_text()
                ),
            );
            continue;
        };
        if out.iter().any(|(n, _)| *n == vector.name) {
            errors.at(vector.span, format!("duplicate vector `{}`", vector.name));
            continue;
        }
        if *needs_probe && input == Some(Input::Payload) {
            errors.at(
                vector.span,
                format!(
                    "`{}` needs `probe: &Probe`: {}",
                    vector.name,
                    needs_probe_because(&vector.name)
                ),
            );
            continue;
        }
        out.push((vector.name, vector.span));
    }
    out
}

/// `SqlInjection` for `sql_injection`.
fn variant(name: &str, span: Span) -> Ident {
    let camel: String = name
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect();
    Ident::new(&camel, span)
}

fn expand(
    config: &Config,
    test_fn: &TestFn,
    input: Input,
    vectors: &[(String, Span)],
    mutations: Option<u32>,
) -> TokenStream {
    let func = &test_fn.item;
    let sig = &func.sig;
    let ident = &sig.ident;
    let p = expand::private_path(config);
    let s = quote!(#p::security);
    let arg = match input {
        Input::Payload => quote!(probe.payload()),
        Input::Probe => quote!(probe),
    };
    // Spanned on the return type: a type that is not an `IntoResponse` is
    // reported there.
    let (lo, hi) = match &sig.output {
        ReturnType::Type(_, ty) => {
            let spans: Vec<Span> = ty.to_token_stream().into_iter().map(|t| t.span()).collect();
            (
                spans.first().copied().unwrap_or(ident.span()),
                spans.last().copied().unwrap_or(ident.span()),
            )
        }
        ReturnType::Default => (ident.span(), ident.span()),
    };
    let is_async = sig.asyncness.is_some();
    let call = if is_async {
        quote!(#ident(#arg).await)
    } else {
        quote!(#ident(#arg))
    };
    let reply = expand::respan(quote!(#s::reply(#call)), lo, hi);
    let shim_name = format_ident!("__leanvibe_security_{}", ident.unraw());
    let shim = if is_async {
        quote! {
            #[doc(hidden)]
            #[allow(non_snake_case)]
            fn #shim_name<'a>(probe: &'a #s::Probe) -> #s::BoxedResponse<'a> {
                ::std::boxed::Box::pin(async move { #reply })
            }
        }
    } else {
        quote! {
            #[doc(hidden)]
            #[allow(non_snake_case)]
            fn #shim_name(probe: &#s::Probe) -> #s::Reply {
                #reply
            }
        }
    };
    let call_value = if is_async {
        let multi_thread = config
            .flavor
            .as_ref()
            .is_some_and(|f| f.value == crate::config::Flavor::MultiThread);
        let worker_threads = expand::option(config.worker_threads.as_ref(), |v| {
            proc_macro2::Literal::usize_suffixed(*v)
        });
        let start_paused = config.start_paused.as_ref().is_some_and(|s| s.value);
        quote! {
            #s::Call::Async(#shim_name, #p::AsyncConfig {
                multi_thread: #multi_thread,
                worker_threads: #worker_threads,
                start_paused: #start_paused,
            })
        }
    } else {
        quote!(#s::Call::Sync(#shim_name))
    };
    let name = ident.unraw().to_string();
    let payload_ms = match &config.budget.max_ms {
        Some(ms) => {
            let ms = proc_macro2::Literal::u64_suffixed(ms.value.ceil() as u64);
            quote!(::core::option::Option::Some(#ms))
        }
        None => quote!(::core::option::Option::None),
    };
    let heap_bytes = match config.budget.max_heap_bytes() {
        Some(bytes) => {
            let bytes = proc_macro2::Literal::u64_suffixed(bytes);
            quote!(::core::option::Option::Some(#bytes))
        }
        None => quote!(::core::option::Option::None),
    };
    let mutations = match mutations {
        Some(n) => {
            let n = proc_macro2::Literal::u32_suffixed(n);
            quote!(::core::option::Option::Some(#n))
        }
        None => quote!(::core::option::Option::None),
    };
    // The suite judges time and heap per payload; the harness's own budget
    // would count the suite's generated inputs (16 MiB strings) too.
    let budget = expand::budget(&p, &Default::default());
    let cases = vectors.iter().map(|(vector, span)| {
        let variant = variant(vector, *span);
        let body = quote! {
            #p::run_sync(move || {
                #s::run(
                    &#s::Suite {
                        vector: #s::Vector::#variant,
                        function: #name,
                        payload_ms: #payload_ms,
                        heap_bytes: #heap_bytes,
                        mutations: #mutations,
                    },
                    #call_value,
                )
            })
        };
        expand::test_case(
            &p,
            config,
            &Case {
                name: format!("{name}::{vector}"),
                name_span: ident.span(),
                kind: "security",
                extra_tags: vec!["security".to_string(), vector.clone()],
                budget: budget.clone(),
                body,
            },
        )
    });
    // The registration needs leanvibe-test's `security` feature; the
    // function itself is kept either way, so only one error shows.
    let gate = quote::quote_spanned!(Span::call_site()=> #p::if_security_feature!);
    quote! {
        #func
        #gate {
            #shim
            #(#cases)*
        }
    }
}
