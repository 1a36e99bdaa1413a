// Package spiffe verifies X.509 SVIDs: it checks a peer's chain against a
// trust bundle (several roots while a root rotates), refuses expired and
// revoked certificates, and extracts the SPIFFE ID from the URI SAN.
package spiffe
