//! The desktop core (work in progress).
