//! Code generation: the user's function, then its `inventory` registration.
//!
//! [`plugin_test`] runs the stages (parse, validate, expand). On any error it
//! emits every error and the function itself, without the registration, so
//! the rest of the user's code still type-checks and IDEs keep working.

use crate::config::{BudgetConfig, Config, Flavor, IgnoreCfg, Setting, ShouldPanicCfg, TestFn};
use crate::errors::Errors;
use crate::{inject, parse, valid};
use proc_macro2::{Group, Literal, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Item, ReturnType};

/// The whole `#[plugin_test(args)] item` expansion.
pub(crate) fn plugin_test(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut config = Config::default();
    parse::parse_args(args, &mut config, &mut errors);
    let mut func = match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            // Something that is not valid Rust gets no error of ours: rustc
            // reports the syntax error when it reads the item back.
            if let Ok(other) = syn::parse2::<Item>(item.clone()) {
                errors.push(not_a_function(&other, "plugin_test"));
            }
            let errors = errors.finish().err().map(syn::Error::into_compile_error);
            return quote!(#errors #item);
        }
    };
    parse::take_fn_attrs(&mut func.attrs, &mut config, &mut errors);
    let test_fn = parse::test_fn(func, &mut errors);
    valid::check(&config, &test_fn, &mut errors);
    match errors.finish() {
        Ok(()) => registration(&config, &test_fn),
        Err(error) => fallback(&test_fn, error),
    }
}

pub(crate) fn not_a_function(item: &Item, attribute: &str) -> syn::Error {
    let (span, what) = match item {
        Item::Struct(item) => (item.struct_token.span, "a struct"),
        Item::Enum(item) => (item.enum_token.span, "an enum"),
        Item::Union(item) => (item.union_token.span, "a union"),
        Item::Const(item) => (item.const_token.span, "a constant"),
        Item::Static(item) => (item.static_token.span, "a static"),
        Item::Mod(item) => (item.mod_token.span, "a module"),
        Item::Impl(item) => (item.impl_token.span, "an impl block"),
        Item::Trait(item) => (item.trait_token.span, "a trait"),
        Item::Type(item) => (item.type_token.span, "a type alias"),
        Item::Use(item) => (item.use_token.span, "a `use`"),
        _ => (item.span(), "this item"),
    };
    syn::Error::new(
        span,
        format!("`#[{attribute}]` goes on a function, not on {what}"),
    )
}

/// The errors, then the function as written (minus our attributes). It is
/// unused without its registration, which would add a warning to the errors.
pub(crate) fn fallback(test_fn: &TestFn, error: syn::Error) -> TokenStream {
    let errors = error.into_compile_error();
    let func = &test_fn.item;
    quote! {
        #errors
        #[allow(dead_code)]
        #func
    }
}

fn registration(config: &Config, test_fn: &TestFn) -> TokenStream {
    let func = &test_fn.item;
    let ident = &func.sig.ident;
    let p = private_path(config);
    let budget = budget(&p, &config.budget);
    let body = if test_fn.is_property() {
        crate::property::body(&p, config, test_fn)
    } else {
        body(&p, config, test_fn)
    };
    let case = test_case(
        &p,
        config,
        &Case {
            name: ident.unraw().to_string(),
            name_span: ident.span(),
            kind: "unit",
            extra_tags: Vec::new(),
            budget,
            body,
        },
    );
    if test_fn.is_property() {
        // The registration needs the `proptest` feature; the function is
        // kept either way, so only one error shows.
        let gate = quote_spanned!(Span::call_site()=> #p::if_proptest_feature!);
        return quote! {
            #func
            #gate { #case }
        };
    }
    quote! {
        #func
        #case
    }
}

/// `::leanvibe_test::__private`, or the `crate = "..."` path's.
pub(crate) fn private_path(config: &Config) -> TokenStream {
    let krate = match &config.crate_path {
        Some(path) => path.value.to_token_stream(),
        None => quote!(::leanvibe_test),
    };
    quote!(#krate::__private)
}

/// What differs between the registrations `#[plugin_test]` and
/// `#[security_suite]` generate; the rest comes from the shared [`Config`].
pub(crate) struct Case {
    /// The registered name (the function's, or the vector's).
    pub(crate) name: String,
    /// `line!()` is taken at this span: the function's name.
    pub(crate) name_span: Span,
    /// CTRF `type`.
    pub(crate) kind: &'static str,
    /// Tags added after the attribute's own.
    pub(crate) extra_tags: Vec<String>,
    /// A `Budget` expression.
    pub(crate) budget: TokenStream,
    /// The statements of `__leanvibe_body`.
    pub(crate) body: TokenStream,
}

/// The `inventory::submit!` of one `TestCase`.
pub(crate) fn test_case(p: &TokenStream, config: &Config, case: &Case) -> TokenStream {
    let name = &case.name;
    // `line!()` carrying the name's span reports the line of the name, not of
    // the attribute.
    let line = quote_spanned!(case.name_span=> ::core::line!());
    let ignore = match config.ignore.as_ref().map(|s| &s.value) {
        None => quote!(#p::Ignore::No),
        Some(IgnoreCfg::Flag) => quote!(#p::Ignore::Yes),
        Some(IgnoreCfg::Because(reason)) => quote!(#p::Ignore::Because(#reason)),
    };
    let should_panic = match config.should_panic.as_ref().map(|s| &s.value) {
        None => quote!(#p::ShouldPanic::No),
        Some(ShouldPanicCfg::Flag) => quote!(#p::ShouldPanic::Yes),
        Some(ShouldPanicCfg::WithMessage(text)) => quote!(#p::ShouldPanic::WithMessage(#text)),
    };
    let timeout_ms = option(config.timeout_ms.as_ref(), |v| Literal::u64_suffixed(*v));
    let tags = config
        .tags
        .as_ref()
        .map(|s| s.value.as_slice())
        .unwrap_or(&[]);
    let extra_tags = &case.extra_tags;
    let kind = case.kind;
    let budget = &case.budget;
    let body = &case.body;
    quote! {
        #p::inventory::submit! {
            #p::TestCase {
                name: #name,
                module_path: ::core::module_path!(),
                file: ::core::file!(),
                line: #line,
                manifest_dir: ::core::env!("CARGO_MANIFEST_DIR"),
                attrs: #p::TestAttrs {
                    ignore: #ignore,
                    should_panic: #should_panic,
                    timeout_ms: #timeout_ms,
                    tags: &[#(#tags,)* #(#extra_tags),*],
                    kind: #kind,
                    budget: #budget,
                },
                body: {
                    fn __leanvibe_body() -> ::core::result::Result<(), ::std::string::String> {
                        #body
                    }
                    __leanvibe_body
                },
            }
        }
    }
}

/// Every field spelled out, so a field added to `Budget` fails here loudly
/// instead of defaulting silently.
pub(crate) fn budget(p: &TokenStream, budget: &BudgetConfig) -> TokenStream {
    let ms =
        |setting: &Option<Setting<f64>>| option(setting.as_ref(), |v| Literal::f64_suffixed(*v));
    let count =
        |setting: &Option<Setting<u32>>| option(setting.as_ref(), |v| Literal::u32_suffixed(*v));
    let bytes = |value: Option<u64>| match value {
        Some(bytes) => {
            let bytes = Literal::u64_suffixed(bytes);
            quote!(::core::option::Option::Some(#bytes))
        }
        None => quote!(::core::option::Option::None),
    };
    let max_ms = ms(&budget.max_ms);
    let max_heap_bytes = bytes(budget.max_heap_bytes());
    let max_rss_bytes = bytes(budget.max_rss_bytes());
    let iterations = count(&budget.iterations);
    let warmup = count(&budget.warmup);
    let mean_ms = ms(&budget.mean_ms);
    let p50_ms = ms(&budget.p50_ms);
    let p95_ms = ms(&budget.p95_ms);
    let p99_ms = ms(&budget.p99_ms);
    let retries = count(&budget.retries);
    quote! {
        #p::Budget {
            max_ms: #max_ms,
            max_heap_bytes: #max_heap_bytes,
            max_rss_bytes: #max_rss_bytes,
            iterations: #iterations,
            warmup: #warmup,
            mean_ms: #mean_ms,
            p50_ms: #p50_ms,
            p95_ms: #p95_ms,
            p99_ms: #p99_ms,
            retries: #retries,
        }
    }
}

/// `Some(lit)` or `None`, with absolute paths. The literal carries the span
/// of the value the user wrote, so any error about it points there.
pub(crate) fn option<T>(setting: Option<&Setting<T>>, lit: impl Fn(&T) -> Literal) -> TokenStream {
    match setting {
        Some(setting) => {
            let mut lit = lit(&setting.value);
            lit.set_span(setting.value_span);
            quote!(::core::option::Option::Some(#lit))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// The body of `__leanvibe_body`: calls the test and turns what it returns
/// into the harness's result.
fn body(p: &TokenStream, config: &Config, test_fn: &TestFn) -> TokenStream {
    let into_result = call_result(p, test_fn);
    let locals = inject::locals(&test_fn.params);
    if !test_fn.is_async() {
        // Fixtures are built before `run_sync` opens the measurement window
        // and moved into the test, which drops them when it returns or
        // unwinds.
        let setup = inject::setup_sync(p, &test_fn.params);
        return quote! {
            #setup
            #p::run_sync(move || #into_result)
        };
    }
    let async_config = async_config(p, config);
    if test_fn.params.is_empty() {
        return quote! {
            #p::run_async(#async_config, || async { #into_result })
        };
    }
    // Fixtures are awaited on the test's runtime before the measurement
    // window opens; the body's future owns them afterwards.
    let setup = inject::setup_async(p, &test_fn.params);
    quote! {
        #p::run_async_with_setup(
            #async_config,
            || async { #setup (#(#locals,)*) },
            |(#(#locals,)*)| async move { #into_result },
        )
    }
}

/// The call of the user's function with every parameter's local, in order,
/// turned into the harness's result (awaited when async). It is spanned on
/// the return type: a type without `IntoTestResult` is reported there, not
/// on the attribute.
pub(crate) fn call_result(p: &TokenStream, test_fn: &TestFn) -> TokenStream {
    call_converted(
        test_fn,
        |call| quote!(#p::IntoTestResult::into_test_result(#call)),
    )
}

/// [`call_result`] with the conversion `convert` builds around the call.
pub(crate) fn call_converted(
    test_fn: &TestFn,
    convert: impl FnOnce(TokenStream) -> TokenStream,
) -> TokenStream {
    let sig = &test_fn.item.sig;
    let ident = &sig.ident;
    let (lo, hi) = match &sig.output {
        ReturnType::Type(_, ty) => {
            let spans: Vec<Span> = ty.to_token_stream().into_iter().map(|t| t.span()).collect();
            match (spans.first(), spans.last()) {
                (Some(lo), Some(hi)) => (*lo, *hi),
                _ => (ident.span(), ident.span()),
            }
        }
        ReturnType::Default => (ident.span(), ident.span()),
    };
    let locals = inject::locals(&test_fn.params);
    let call = if test_fn.is_async() {
        quote!(#ident(#(#locals),*).await)
    } else {
        quote!(#ident(#(#locals),*))
    };
    respan(convert(call), lo, hi)
}

/// The `AsyncConfig` of an async test's runtime.
pub(crate) fn async_config(p: &TokenStream, config: &Config) -> TokenStream {
    let multi_thread = config
        .flavor
        .as_ref()
        .is_some_and(|flavor| flavor.value == Flavor::MultiThread);
    let worker_threads = option(config.worker_threads.as_ref(), |v| {
        Literal::usize_suffixed(*v)
    });
    let start_paused = config.start_paused.as_ref().is_some_and(|s| s.value);
    quote! {
        #p::AsyncConfig {
            multi_thread: #multi_thread,
            worker_threads: #worker_threads,
            start_paused: #start_paused,
        }
    }
}

/// `tokens` spanned over `lo..hi`: every token gets `lo` but the last, which
/// gets `hi` (recursively inside a trailing group), so that rustc, which spans
/// an expression from its first token to its last, reports errors about it
/// on the user's code from `lo` to `hi`.
pub(crate) fn respan(tokens: TokenStream, lo: Span, hi: Span) -> TokenStream {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let last = tokens.len().saturating_sub(1);
    tokens
        .into_iter()
        .enumerate()
        .map(|(index, mut token)| {
            let span = if index == last { hi } else { lo };
            if let TokenTree::Group(group) = &token {
                let inner_hi = if index == last { hi } else { lo };
                let mut respanned =
                    Group::new(group.delimiter(), respan(group.stream(), lo, inner_hi));
                respanned.set_span(span);
                token = TokenTree::Group(respanned);
            }
            token.set_span(span);
            token
        })
        .collect()
}
