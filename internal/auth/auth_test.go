package auth

import (
	"bytes"
	"strings"
	"testing"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string with the configured cost", h)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		ok, err := CheckPassword(h, tc.pw)
		if err != nil || ok != tc.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	for _, bad := range []string{"", "$bcrypt$x", "$argon2id$v=19$m=1,t=1,p=1$!!$!!", "$argon2id$v=18$m=1,t=1,p=1$AA$AA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Errorf("CheckPassword accepted the malformed hash %q", bad)
		}
	}
}

func TestSecretsAndScopes(t *testing.T) {
	s1, h1 := NewSecret()
	s2, _ := NewSecret()
	if !strings.HasPrefix(s1, TokenPrefix) || len(s1) < 40 || s1 == s2 {
		t.Fatalf("secrets %q %q", s1, s2)
	}
	if !bytes.Equal(HashSecret(s1), h1) || bytes.Equal(HashSecret(s2), h1) {
		t.Fatal("HashSecret does not give the stored hash back")
	}
	session := &Principal{Kind: "session", Roles: []string{Learner}}
	narrow := &Principal{Kind: "api", Roles: []string{Admin}, Scopes: []string{"courses:read"}}
	wide := &Principal{Kind: "api", Scopes: []string{"*"}}
	cases := []struct {
		p     *Principal
		scope string
		want  bool
	}{
		{session, "users:write", true}, // roles, not scopes, limit a session
		{narrow, "courses:read", true},
		{narrow, "courses:write", false},
		{wide, "webhooks:write", true},
		{nil, "courses:read", false},
	}
	for _, c := range cases {
		if got := c.p.Allows(c.scope); got != c.want {
			t.Errorf("%+v Allows(%s) = %v", c.p, c.scope, got)
		}
	}
	if !narrow.Has(Learner, Admin) || narrow.Has(Ops) || (*Principal)(nil).Has(Admin) {
		t.Error("Has")
	}
	if !ValidScope("*") || !ValidScope("videos:write") || ValidScope("videos:delete") || !ValidRole("ops") || ValidRole("root") {
		t.Error("ValidScope / ValidRole")
	}
}
