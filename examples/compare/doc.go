// Package compare benchmarks roster's permission check against casbin and
// Open Policy Agent on one multi-tenant workload: seed 003's four roles and
// thirteen permissions, 1,000 organisations with four users each. It is a
// separate module so that roster itself depends on neither; everything lives
// in compare_test.go. See README.md.
package compare
