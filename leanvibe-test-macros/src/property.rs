//! The body of a property test: the strategies of its generated arguments
//! as one tuple, and a closure that runs one case (fixtures built per case,
//! as for any run of a test's body), handed to `__private::property::run`.

use crate::config::{Config, Generated, Setting, TestFn};
use crate::expand::{async_config, call_converted, option};
use crate::inject;
use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

pub(crate) fn body(p: &TokenStream, config: &Config, test_fn: &TestFn) -> TokenStream {
    let generated: Vec<_> = test_fn
        .params
        .iter()
        .filter_map(|param| Some((param, param.generated.as_ref()?)))
        .collect();
    let strategies = generated.iter().map(|(param, how)| match how {
        Generated::Strategy(expr) => quote_spanned!(expr.span()=> #expr),
        Generated::Any => {
            let ty = &param.ty;
            quote_spanned!(ty.span()=> #p::property::any::<#ty>())
        }
    });
    let gen_locals = inject::generated_locals(&test_fn.params);
    let fixture_locals = inject::fixture_locals(&test_fn.params);
    let describe = generated
        .iter()
        .map(|(param, _)| format!("{} = {{:?}}", param.ident.unraw()))
        .collect::<Vec<_>>()
        .join(", ");
    // `prop_assume!`/`prop_assert!` return proptest's result; it is read
    // as proptest means it (`property::CaseResult`).
    let into_result = call_converted(test_fn, |call| {
        quote! {{
            #[allow(unused_imports)]
            use #p::property::{FromProptest as _, FromTestResult as _};
            (&&#p::property::CaseResult::new(#call)).case_result()
        }}
    });
    let case = if test_fn.is_async() {
        let setup = inject::setup_async(p, &test_fn.params);
        let runtime = async_config(p, config);
        quote! {
            #p::property::case_async(
                #runtime,
                || async { #setup (#(#fixture_locals,)*) },
                move |(#(#fixture_locals,)*)| async move { #into_result },
            )
        }
    } else {
        let setup = inject::setup_sync(p, &test_fn.params);
        quote! {
            #setup
            #p::property::case(move || #into_result)
        }
    };
    let name = test_fn.item.sig.ident.unraw().to_string();
    let count = |s: &Option<Setting<u32>>| option(s.as_ref(), |v| Literal::u32_suffixed(*v));
    let cases = count(&config.property.cases);
    let max_shrink_iters = count(&config.property.max_shrink_iters);
    let seed = option(config.property.seed.as_ref(), |v| Literal::u64_suffixed(*v));
    quote! {
        #p::property::run(
            #p::property::PropertySite {
                name: ::core::concat!(::core::module_path!(), "::", #name),
                file: ::core::file!(),
                manifest_dir: ::core::env!("CARGO_MANIFEST_DIR"),
            },
            #p::property::PropertyAttrs {
                cases: #cases,
                max_shrink_iters: #max_shrink_iters,
                seed: #seed,
            },
            (#(#strategies,)*),
            |__leanvibe_value| {
                let (#(#gen_locals,)*) = __leanvibe_value;
                ::std::format!(#describe, #(#gen_locals),*)
            },
            |(#(#gen_locals,)*)| { #case },
        )
    }
}
