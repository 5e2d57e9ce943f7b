//! Tests in nested modules register their module path; visibility and raw
//! identifiers pass through.

use leanvibe_test::__private::registry::{self, TestCase};

mod plugin {
    pub mod config {
        use leanvibe_test::plugin_test;

        #[plugin_test(tags = ["config"])]
        pub fn parses() {}

        #[plugin_test]
        pub(crate) fn r#type() {}

        pub mod deeper {
            #[leanvibe_test::plugin_test]
            async fn deepest() {}
        }
    }
}

fn case(name: &str) -> &'static TestCase {
    registry::all()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("`{name}` is not registered"))
}

fn main() {
    let parses = case("parses");
    assert_eq!(
        parses.module_path,
        format!("{}::plugin::config", module_path!())
    );
    assert_eq!(parses.full_name(), "plugin::config::parses");
    assert_eq!(parses.module(), "plugin::config");
    assert_eq!(parses.attrs.tags, ["config"]);

    let raw = case("type");
    assert_eq!(raw.full_name(), "plugin::config::type");

    let deepest = case("deepest");
    assert_eq!(deepest.full_name(), "plugin::config::deeper::deepest");
    assert_eq!((deepest.body)(), Ok(()));

    // Still ordinary functions, callable from elsewhere.
    plugin::config::parses();
    plugin::config::r#type();
}
