//! libtest-style console output.
