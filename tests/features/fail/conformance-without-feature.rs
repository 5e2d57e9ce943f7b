// The plugin kit's conformance suite, in a target whose leanvibe-test has
// no `plugin` feature.
leanvibe_test::conformance!(spec());

leanvibe_test::main!();
