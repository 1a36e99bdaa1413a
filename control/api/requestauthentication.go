package api

// RequestAuthentication (security.istio.io/v1) says which JWTs the selected
// workloads accept. Requests with an invalid token are rejected; requests
// without a token are accepted (use AuthorizationPolicy to require one).
type RequestAuthentication struct {
	// Selector chooses the workloads.
	Selector *LabelSelector `json:"selector,omitempty"`
	// TargetRef attaches the policy to a gateway or service instead.
	TargetRef *PolicyTargetReference `json:"targetRef,omitempty"`
	// TargetRefs attaches the policy to several targets.
	TargetRefs []PolicyTargetReference `json:"targetRefs,omitempty"`
	// JWTRules accepted; a token must satisfy one.
	JWTRules []JWTRule `json:"jwtRules,omitempty"`
}

// JWTRule describes one accepted token issuer.
type JWTRule struct {
	// Issuer (iss claim).
	Issuer string `json:"issuer"`
	// Audiences accepted (aud claim); empty accepts any.
	Audiences []string `json:"audiences,omitempty"`
	// JwksURI to fetch the public keys from.
	JwksURI string `json:"jwksUri,omitempty"`
	// Jwks is the inline JSON Web Key Set; exclusive with JwksURI.
	Jwks string `json:"jwks,omitempty"`
	// FromHeaders to read the token from (default Authorization: Bearer).
	FromHeaders []JWTHeader `json:"fromHeaders,omitempty"`
	// FromParams (query parameters) to read the token from.
	FromParams []string `json:"fromParams,omitempty"`
	// FromCookies to read the token from.
	FromCookies []string `json:"fromCookies,omitempty"`
	// OutputPayloadToHeader forwards the base64 payload in this header.
	OutputPayloadToHeader string `json:"outputPayloadToHeader,omitempty"`
	// ForwardOriginalToken keeps the token in the forwarded request.
	ForwardOriginalToken bool `json:"forwardOriginalToken,omitempty"`
	// OutputClaimToHeaders copies claims into headers.
	OutputClaimToHeaders []ClaimToHeader `json:"outputClaimToHeaders,omitempty"`
	// Timeout for fetching the JWKS.
	Timeout *Duration `json:"timeout,omitempty"`
	// SpaceDelimitedClaims are claims whose string value holds several
	// space-separated values (beyond "scope" and "permission").
	SpaceDelimitedClaims []string `json:"spaceDelimitedClaims,omitempty"`
}

// JWTHeader names a header carrying a token and its prefix.
type JWTHeader struct {
	// Name of the header.
	Name string `json:"name"`
	// Prefix before the token, e.g. "Bearer ".
	Prefix string `json:"prefix,omitempty"`
}

// ClaimToHeader copies a claim into a header.
type ClaimToHeader struct {
	// Header name.
	Header string `json:"header"`
	// Claim name; nested claims with dots.
	Claim string `json:"claim"`
}
