use leanvibe_test::fixture;

#[fixture]
fn db<T: Default>() -> T {
    T::default()
}

fn main() {}
