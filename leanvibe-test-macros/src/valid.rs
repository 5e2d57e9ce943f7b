//! Rules between keys, and what the function itself must look like.
//!
//! Every broken rule is recorded; none hides another.

use crate::config::{Config, Flavor, Key, ShouldPanicCfg, TestFn};
use crate::errors::Errors;
use syn::{ReturnType, Signature, Type};

/// Checks `config` against itself and against `test_fn`.
pub(crate) fn check(config: &Config, test_fn: &TestFn, errors: &mut Errors) {
    check_signature(test_fn, errors);
    check_runtime(config, test_fn.is_async(), errors);
    check_budget(config, errors);
    check_should_panic(config, &test_fn.item.sig, errors);
    check_property(config, test_fn, errors);
}

/// Most strategies proptest composes as one tuple (it implements them up
/// to twelve).
const MAX_GENERATED: usize = 12;

/// A property test's own keys need one, and the keys that mean something
/// else for a property test are refused.
fn check_property(config: &Config, test_fn: &TestFn, errors: &mut Errors) {
    if !test_fn.is_property() {
        for (key, span) in config.property.given() {
            errors.at(
                span,
                format!(
                    "`{}` configures a property test, and this test has no generated argument: \
                     mark one `#[strategy(...)]` or `#[any]`",
                    key.name()
                ),
            );
        }
        return;
    }
    if let Some(should_panic) = &config.should_panic {
        errors.at(
            should_panic.key_span,
            "a property test cannot be `should_panic`: every case must hold; to check that an \
             input panics, catch the panic in the body with `std::panic::catch_unwind`",
        );
    }
    for (key, span) in [
        (
            Key::Iterations,
            config.budget.iterations.as_ref().map(|s| s.key_span),
        ),
        (
            Key::Warmup,
            config.budget.warmup.as_ref().map(|s| s.key_span),
        ),
    ] {
        if let Some(span) = span {
            errors.at(
                span,
                format!(
                    "a property test runs its body once per case, each case a measured run: use \
                     `cases`, not `{}`",
                    key.name()
                ),
            );
        }
    }
    let generated: Vec<&crate::config::Param> = test_fn
        .params
        .iter()
        .filter(|p| p.generated.is_some())
        .collect();
    for param in &generated {
        if let Type::Reference(reference) = &param.ty {
            errors.push(syn::Error::new_spanned(
                reference,
                "a generated argument is taken by value, such as `n: u32`; a `&T` parameter is a \
                 worker-scope fixture",
            ));
        }
    }
    if generated.len() > MAX_GENERATED {
        errors.push(syn::Error::new_spanned(
            &generated[MAX_GENERATED].ident,
            format!(
                "at most {MAX_GENERATED} generated arguments; gather more in a struct or tuple with \
                 one strategy"
            ),
        ));
    }
}

fn check_signature(test_fn: &TestFn, errors: &mut Errors) {
    let sig = &test_fn.item.sig;
    if let Some(token) = &sig.constness {
        errors.at(
            token.span,
            "a `#[plugin_test]` function cannot be `const`; remove `const`",
        );
    }
    if let syn::Safety::Unsafe(token) = &sig.safety {
        errors.at(
            token.span,
            "a `#[plugin_test]` function cannot be `unsafe`: the harness calls it as safe code; \
             put an `unsafe` block inside instead",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.push(syn::Error::new_spanned(
            abi,
            "a `#[plugin_test]` function cannot be `extern`; remove the ABI",
        ));
    }
    if !sig.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &sig.generics,
            "a `#[plugin_test]` function cannot be generic: the harness has no types to call \
             it with",
        ));
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        errors.push(syn::Error::new_spanned(
            where_clause,
            "a `#[plugin_test]` function cannot have a `where` clause",
        ));
    }
    if let Some(receiver) = sig.receiver() {
        errors.push(syn::Error::new_spanned(
            receiver,
            "`#[plugin_test]` goes on a free function, not a method",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new_spanned(
            variadic,
            "a `#[plugin_test]` function cannot be variadic",
        ));
    }
}

/// `flavor`, `worker_threads` and `start_paused` configure the tokio runtime
/// of an async test, and follow tokio's own rules.
fn check_runtime(config: &Config, is_async: bool, errors: &mut Errors) {
    if !is_async {
        let async_only = [
            (Key::Flavor, config.flavor.as_ref().map(|s| s.key_span)),
            (
                Key::WorkerThreads,
                config.worker_threads.as_ref().map(|s| s.key_span),
            ),
            (
                Key::StartPaused,
                config.start_paused.as_ref().map(|s| s.key_span),
            ),
        ];
        for (key, span) in async_only {
            if let Some(span) = span {
                errors.at(
                    span,
                    format!(
                        "`{}` configures the tokio runtime of an `async fn` test; this function \
                         is not async",
                        key.name()
                    ),
                );
            }
        }
        return;
    }
    let multi_thread = config
        .flavor
        .as_ref()
        .is_some_and(|flavor| flavor.value == Flavor::MultiThread);
    let flavor_rejected = config.rejected.contains(&Key::Flavor);
    let misplaced_workers = config
        .worker_threads
        .as_ref()
        .filter(|_| !multi_thread && !flavor_rejected);
    if let Some(workers) = misplaced_workers {
        errors.at(
            workers.key_span,
            "`worker_threads` needs `flavor = \"multi_thread\"`: the current-thread runtime \
             has no worker threads",
        );
    }
    let misplaced_pause = config.start_paused.as_ref().filter(|_| multi_thread);
    if let Some(paused) = misplaced_pause {
        errors.at(
            paused.key_span,
            "`start_paused` works only with the current-thread runtime (a tokio rule); remove \
             it or `flavor = \"multi_thread\"`",
        );
    }
}

fn check_budget(config: &Config, errors: &mut Errors) {
    let budget = &config.budget;
    if let (Some(_), Some(kb)) = (&budget.max_mb, &budget.max_kb) {
        errors.at(
            kb.key_span,
            "`max_mb` and `max_kb` both set the heap limit; give only one",
        );
    }
    let has_iterations = config.mentions(Key::Iterations, budget.iterations.is_some());
    if has_iterations {
        return;
    }
    if let Some(warmup) = &budget.warmup {
        errors.at(
            warmup.key_span,
            "`warmup` needs `iterations = N`: warm-up runs precede measured runs",
        );
    }
    for (key, setting) in budget.statistics() {
        let Some(setting) = setting else {
            continue;
        };
        errors.at(
            setting.key_span,
            format!(
                "`{}` is a statistic over measured runs; it needs `iterations = N`",
                key.name()
            ),
        );
    }
}

/// libtest rejects `#[should_panic]` on a test returning `Result`: an `Err`
/// would be a failure that is not a panic, which the two semantics disagree on.
fn check_should_panic(config: &Config, sig: &Signature, errors: &mut Errors) {
    let Some(should_panic) = &config.should_panic else {
        return;
    };
    let ReturnType::Type(_, ty) = &sig.output else {
        return;
    };
    if returns_result(ty) {
        let form = match should_panic.value {
            ShouldPanicCfg::Flag => "`should_panic`",
            ShouldPanicCfg::WithMessage(_) => "`should_panic = \"...\"`",
        };
        errors.at(
            should_panic.key_span,
            format!(
                "{form} needs a test that returns `()`, but this one returns `Result` (libtest \
                 rejects this too); assert on the error or return `()`"
            ),
        );
    }
}

/// Whether `ty` names a `Result` (`Result<..>`, `io::Result<..>`, ...).
fn returns_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Result"),
        Type::Group(group) => returns_result(&group.elem),
        Type::Paren(paren) => returns_result(&paren.elem),
        _ => false,
    }
}
