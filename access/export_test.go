package access

// JSONBound exposes the cheap bound NewPolicy compares with MaxPolicyBytes,
// for tests that check it bounds the JSON form.
var JSONBound = (*Policy).jsonBound
