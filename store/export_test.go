package store

// SetKDFHook makes f run inside each of e's derivation slots, before the
// derivation: tests count and hold derivations with it. Set it before any
// derivation runs.
func SetKDFHook(e *Env, f func()) { e.kdf.hook = f }

// KDFQueued returns how many callers wait for one of e's derivation slots.
func KDFQueued(e *Env) int64 { return e.kdf.queued.Load() }
