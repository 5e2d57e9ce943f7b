//! Attribute macros of `leanvibe-test`. Use them through the runtime crate,
//! which documents them: `leanvibe_test::plugin_test`.
//!
//! TEMPORARY minimal expansion; replaced by the staged parse/validate/expand
//! implementation.

use proc_macro::TokenStream;
use quote::quote;

#[proc_macro_attribute]
pub fn plugin_test(_args: TokenStream, item: TokenStream) -> TokenStream {
    let func = syn::parse_macro_input!(item as syn::ItemFn);
    let ident = &func.sig.ident;
    let call = if func.sig.asyncness.is_some() {
        quote! {
            ::leanvibe_test::__private::run_async(
                ::leanvibe_test::__private::AsyncConfig { multi_thread: false, worker_threads: None, start_paused: false },
                || async { ::leanvibe_test::__private::IntoTestResult::into_test_result(#ident().await) },
            )
        }
    } else {
        quote! { ::leanvibe_test::__private::run_sync(|| ::leanvibe_test::__private::IntoTestResult::into_test_result(#ident())) }
    };
    quote! {
        #func
        ::leanvibe_test::__private::inventory::submit! {
            ::leanvibe_test::__private::TestCase {
                name: ::core::stringify!(#ident),
                module_path: ::core::module_path!(),
                file: ::core::file!(),
                line: ::core::line!(),
                manifest_dir: ::core::env!("CARGO_MANIFEST_DIR"),
                attrs: ::leanvibe_test::__private::TestAttrs::DEFAULT,
                body: { fn __leanvibe_body() -> ::core::result::Result<(), ::std::string::String> { #call } __leanvibe_body },
            }
        }
    }
    .into()
}
