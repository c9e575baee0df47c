//! Support for the end-to-end tests: paths, legacy-daemon oracles, netns topologies.
