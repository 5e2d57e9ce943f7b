use leanvibe_test::fixture;

#[fixture]
fn port(#[strategy(1u16..100)] offset: u16) -> u16 {
    8000 + offset
}

#[fixture]
fn flag(#[any] on: bool) -> bool {
    on
}

fn main() {}
