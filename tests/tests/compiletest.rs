//! Compile-fail and pass cases of the macros, run by trybuild, and a
//! generated corpus of bodies that every expansion must compile and run.
//!
//! Regenerate the `.stderr` snapshots with
//! `TRYBUILD=overwrite cargo test --test compiletest`, then read the diff.

use std::collections::BTreeSet;
use std::path::PathBuf;

use syn::Expr;
use syn::visit::{self, Visit};

mod common;
mod corpus;

/// The corpus is the same on every run, so that a failure can be
/// reproduced; `CORPUS_SEED=<n>` generates another one.
const CORPUS_SEED: u64 = 0x5eed_2026;
const CORPUS_FUNCTIONS: usize = 160;

fn corpus_seed() -> u64 {
    std::env::var("CORPUS_SEED").map_or(CORPUS_SEED, |seed| {
        seed.parse().expect("CORPUS_SEED is a number")
    })
}

#[test]
fn ui() {
    let corpus = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("macro-corpus.rs");
    std::fs::write(&corpus, corpus::generate(corpus_seed(), CORPUS_FUNCTIONS))
        .expect("write the corpus");
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/interruptible/*.rs");
    cases.compile_fail("ui/critical/*.rs");
    cases.compile_fail("ui/main/*.rs");
    cases.pass("ui/pass/*.rs");
    // Compiled and run: every pair of functions must agree.
    cases.pass(&corpus);
}

#[test]
fn the_corpus_has_every_expression_kind() {
    let source = corpus::generate(corpus_seed(), CORPUS_FUNCTIONS);
    let file = syn::parse_file(&source).expect("the corpus parses");
    let mut kinds = Kinds::default();
    kinds.visit_file(&file);
    let missing: Vec<_> = corpus::EXPR_KINDS
        .iter()
        .filter(|kind| !kinds.0.contains(*kind))
        .collect();
    assert!(missing.is_empty(), "no {missing:?} in the corpus");
    assert!(source.contains("\nwith_fragment!("), "no `Group` fragments");
}

#[derive(Default)]
struct Kinds(BTreeSet<&'static str>);

impl Visit<'_> for Kinds {
    fn visit_expr(&mut self, expr: &Expr) {
        self.0.insert(kind(expr));
        visit::visit_expr(self, expr);
    }
}

fn kind(expr: &Expr) -> &'static str {
    match expr {
        Expr::Array(_) => "Array",
        Expr::Assign(_) => "Assign",
        Expr::Async(_) => "Async",
        Expr::Await(_) => "Await",
        Expr::Binary(_) => "Binary",
        Expr::Block(_) => "Block",
        Expr::Break(_) => "Break",
        Expr::Call(_) => "Call",
        Expr::Cast(_) => "Cast",
        Expr::Closure(_) => "Closure",
        Expr::Const(_) => "Const",
        Expr::Continue(_) => "Continue",
        Expr::Field(_) => "Field",
        Expr::ForLoop(_) => "ForLoop",
        Expr::Group(_) => "Group",
        Expr::If(_) => "If",
        Expr::Index(_) => "Index",
        Expr::Infer(_) => "Infer",
        Expr::Let(_) => "Let",
        Expr::Lit(_) => "Lit",
        Expr::Loop(_) => "Loop",
        Expr::Macro(_) => "Macro",
        Expr::Match(_) => "Match",
        Expr::MethodCall(_) => "MethodCall",
        Expr::Paren(_) => "Paren",
        Expr::Path(_) => "Path",
        Expr::Range(_) => "Range",
        Expr::RawAddr(_) => "RawAddr",
        Expr::Reference(_) => "Reference",
        Expr::Repeat(_) => "Repeat",
        Expr::Return(_) => "Return",
        Expr::Struct(_) => "Struct",
        Expr::Try(_) => "Try",
        Expr::Tuple(_) => "Tuple",
        Expr::Unary(_) => "Unary",
        Expr::Unsafe(_) => "Unsafe",
        Expr::While(_) => "While",
        _ => "other",
    }
}
