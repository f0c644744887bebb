//! Property tests replay the failing cases committed beside them, and never
//! write into the source tree: a new failing case is printed, for a person
//! to add to the file by hand (a test run that changes the tree it tests
//! would make `generate --check`-style comparisons lie).

use std::any::Any;
use std::fmt::Debug;

use proptest::test_runner::{FailurePersistence, PersistedSeed};

/// Seeds read from a `*.proptest-regressions` file (relative to the
/// repository), never written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadOnlySeeds(pub &'static str);

impl ReadOnlySeeds {
    /// A config of `cases` cases that replays the file's seeds first.
    pub fn config(self, cases: u32) -> proptest::test_runner::Config {
        proptest::test_runner::Config {
            cases,
            failure_persistence: Some(Box::new(self)),
            ..proptest::test_runner::Config::default()
        }
    }
}

impl FailurePersistence for ReadOnlySeeds {
    fn load_persisted_failures2(&self, _source: Option<&'static str>) -> Vec<PersistedSeed> {
        let text = std::fs::read_to_string(super::root().join(self.0)).unwrap_or_default();
        text.lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|l| !l.is_empty())
            .map(|l| {
                l.parse::<PersistedSeed>()
                    .unwrap_or_else(|()| panic!("{}: unreadable seed line {l:?}", self.0))
            })
            .collect()
    }

    fn save_persisted_failure2(
        &mut self,
        _source: Option<&'static str>,
        seed: PersistedSeed,
        shrunken_value: &dyn Debug,
    ) {
        eprintln!(
            "proptest: a new failing case; once fixed, keep it by adding this line to {}:\ncc {seed} # shrinks to {shrunken_value:?}",
            self.0
        );
    }

    fn box_clone(&self) -> Box<dyn FailurePersistence> {
        Box::new(self.clone())
    }

    fn eq(&self, other: &dyn FailurePersistence) -> bool {
        other.as_any().downcast_ref::<Self>() == Some(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
