use leanvibe_test::prelude::*;

#[plugin_test]
fn doubles() {
    assert_eq!(data_plugin::double(2), 4);
}

mod unit {
    use leanvibe_test::prelude::*;

    #[plugin_test]
    async fn doubles_async() {
        assert_eq!(data_plugin::double(3), 6);
    }
}

leanvibe_test::main!();
