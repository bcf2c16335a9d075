package statement

import (
	"errors"
	"testing"
	"time"
)

func TestIsIRI(t *testing.T) {
	valid := []string{
		"http://adlnet.gov/expapi/verbs/attended",
		"https://example.com/path?query=1#fragment",
		"http://example.com/path/../other",
		"urn:uuid:6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
		"mailto:xapi@adlnet.gov",
		"http://[2001:db8::1]:8080/x",
		"http://例え.jp/パス",
		"http://example.com/%E2%82%AC",
		"file:///tmp/x",
		"tag:example.com,2024:x",
	}
	invalid := []string{
		"",
		"should fail",
		"ab=c://should.fail.com",
		"not.a.valid.iri.com/verb",
		"example.com/extension/wrong",
		"http:",
		":no-scheme",
		"1http://example.com",
		"http://example.com/a b",
		"http://example.com/<a>",
		"http://example.com/%zz",
		"http://example.com/%4",
		"http://example.com/a#b#c",
		"http://example.com/[a]",
		"http://example.com/\x01",
		"http://example.com/\u0085",
		"http://example.com/\xff",
	}
	for _, s := range valid {
		if !IsIRI(s) {
			t.Errorf("IsIRI(%q) = false, want true", s)
		}
	}
	for _, s := range invalid {
		if IsIRI(s) {
			t.Errorf("IsIRI(%q) = true, want false", s)
		}
	}
}

func TestIsUUID(t *testing.T) {
	valid := []string{
		"ec531277-b57b-4c15-8d91-d292c5b2b8f7",
		"AA97B177-9383-4934-8543-0F91A7A02836",
		"6ba7b810-9dad-11d1-80b4-00c04fd430c8", // version 1
		"017f22e2-79b0-7cc3-98c4-dc0c0c07398f", // version 7
	}
	invalid := []string{
		"",
		"wrong",
		"AA97B177-9383-4934-8543-0F91A7A028368",
		"MA97B177-9383-4934-8543-0F91A7A02836",
		"ec531277b57b4c158d91d292c5b2b8f7",
		"{ec531277-b57b-4c15-8d91-d292c5b2b8f7}",
		"ec531277-b57b-0c15-8d91-d292c5b2b8f7", // version 0
		"ec531277-b57b-4c15-cd91-d292c5b2b8f7", // Microsoft variant
		"00000000-0000-0000-0000-000000000000",
		"ec531277_b57b_4c15_8d91_d292c5b2b8f7",
	}
	for _, s := range valid {
		if !IsUUID(s) {
			t.Errorf("IsUUID(%q) = false, want true", s)
		}
	}
	for _, s := range invalid {
		if IsUUID(s) {
			t.Errorf("IsUUID(%q) = true, want false", s)
		}
	}
}

func TestIsLangTag(t *testing.T) {
	valid := []string{
		"en", "de", "tlh", "cmn", "en-US", "en-GB", "de-DE", "zh-Hant", "sr-Latn-RS", "sr-Cyrl",
		"es-419", "es-MX", "zh-yue-HK", "sl-rozaj-biske", "de-CH-1901", "en-a-bbb-x-a-ccc",
		"x-whatever", "qaa-Qaaa-QM-x-southern", "i-klingon", "en-GB-oed", "zh-min-nan", "EN-us",
	}
	invalid := []string{
		"", "a12345", "a12345678", "something", "s-something", "e", "en-", "-en", "en--US",
		"en_US", "x", "x-", "en-a", "en-a-x", "123", "en-US-x", "abcdefghi-US", "en-US-a-", "en US",
	}
	for _, s := range valid {
		if !IsLangTag(s) {
			t.Errorf("IsLangTag(%q) = false, want true", s)
		}
	}
	for _, s := range invalid {
		if IsLangTag(s) {
			t.Errorf("IsLangTag(%q) = true, want false", s)
		}
	}
}

func TestIsDuration(t *testing.T) {
	valid := []string{
		"PT1H0M0S", "PT1H0M0.1S", "PT4H35M59.14S", "P3Y1M29DT4H35M59.14S", "P4W", "P1.5W",
		"P1DT12H36M0.12567S", "P0D", "PT0S", "P1Y", "P1M", "PT1M", "PT0.5H", "PT1,5S", "P1Y2M3D",
	}
	invalid := []string{
		"", "P", "PT", "P1DT", "T1H", "1H", "PA1H0M0S", "P4W1D", "P1D4W", "P1H", "PT1D",
		"P1M1Y", "PT1S1M", "P1.5DT1H", "P1.5Y2M", "PT1.S", "PT.5S", "P-1D", "-P1D",
		"P0003-01-29T04:35:59", "PT1H1H", "p1d", "P1D ", "P1٣D", "should fail",
	}
	for _, s := range valid {
		if !IsDuration(s) {
			t.Errorf("IsDuration(%q) = false, want true", s)
		}
	}
	for _, s := range invalid {
		if IsDuration(s) {
			t.Errorf("IsDuration(%q) = true, want false", s)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t.UTC()
	}
	tests := []struct {
		in       string
		versions []Version
		want     time.Time // zero: an error
	}{
		{"2008-09-15T15:53:00.601Z", both, utc("2008-09-15T15:53:00.601Z")},
		{"2008-09-15T15:53:00.601+00:00", both, utc("2008-09-15T15:53:00.601Z")},
		{"2023-05-04T12:00:00-05:00", both, utc("2023-05-04T17:00:00Z")},
		{"2023-05-04T12:00:00.123456789123+05:30", both, utc("2023-05-04T06:30:00.123456789Z")},
		{"2015-01-01T10:00:00", []Version{V103}, utc("2015-01-01T10:00:00Z")},
		{"2015-01-01T10:00:00,5+01", []Version{V103}, utc("2015-01-01T09:00:00.5Z")},
		{"2015-01-01T10:00:00+0130", []Version{V103}, utc("2015-01-01T08:30:00Z")},
		{"20150101T100000Z", []Version{V103}, utc("2015-01-01T10:00:00Z")},
		{"2008-09-15t15:53:00z", []Version{V200}, utc("2008-09-15T15:53:00Z")},

		{"2015-01-01T10:00:00", []Version{V200}, time.Time{}},
		{"20150101T100000Z", []Version{V200}, time.Time{}},
		{"2015-01-01T10:00:00+0100", []Version{V200}, time.Time{}},
		{"2008-09-15t15:53:00z", []Version{V103}, time.Time{}},
		{"2008-09-15T15:53:00.601-00:00", both, time.Time{}},
		{"2008-09-15T15:53:00.601-0000", both, time.Time{}},
		{"2008-09-15T15:53:00.601-00", both, time.Time{}},
		{"2015-02-29T10:00:00Z", both, time.Time{}},
		{"2015-13-01T10:00:00Z", both, time.Time{}},
		{"2015-01-01T24:00:00Z", both, time.Time{}},
		{"2015-01-01T10:60:00Z", both, time.Time{}},
		{"2015-01-01T10:00:60Z", both, time.Time{}},
		{"2015-01-01T10:00:00+24:00", both, time.Time{}},
		{"2015-01-01 10:00:00Z", both, time.Time{}},
		{"2015-01-01", both, time.Time{}},
		{"01/011/2015", both, time.Time{}},
		{"should fail", both, time.Time{}},
		{"", both, time.Time{}},
	}
	for _, tc := range tests {
		for _, v := range tc.versions {
			got, err := ParseTimestamp(tc.in, v)
			switch {
			case tc.want.IsZero() && err == nil:
				t.Errorf("ParseTimestamp(%q, %v) = %v, want an error", tc.in, v, got)
			case tc.want.IsZero() && !errors.Is(err, ErrTimestamp):
				t.Errorf("ParseTimestamp(%q, %v) error %v does not wrap ErrTimestamp", tc.in, v, err)
			case !tc.want.IsZero() && (err != nil || !got.Equal(tc.want) || got.Location() != time.UTC):
				t.Errorf("ParseTimestamp(%q, %v) = %v, %v, want %v", tc.in, v, got, err, tc.want)
			}
		}
	}
}

func TestIFI(t *testing.T) {
	tests := []struct{ agent, want string }{
		{`{"mbox": "mailto:Someone@Example.COM"}`, "mbox:mailto:Someone@example.com"},
		{`{"objectType": "Agent", "mbox_sha1sum": "CD9B00A5611F94EAA7B1661EDAB976068E364975"}`, "mbox_sha1sum:cd9b00a5611f94eaa7b1661edab976068e364975"},
		{`{"openid": "http://openid.example.org/12345"}`, "openid:http://openid.example.org/12345"},
		{`{"account": {"homePage": "http://www.example.com", "name": "xAPI account name"}}`, "account:http://www.example.com xAPI account name"},
		{`{"objectType": "Group", "mbox": "mailto:g@example.com", "member": [{"mbox": "mailto:a@example.com"}]}`, "mbox:mailto:g@example.com"},
		{`{"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}`, ""},
		{`{}`, ""},
	}
	for _, tc := range tests {
		if got := IFI(mustObject(t, tc.agent)); got != tc.want {
			t.Errorf("IFI(%s) = %q, want %q", tc.agent, got, tc.want)
		}
	}
	if got := IFI(nil); got != "" {
		t.Errorf("IFI(nil) = %q", got)
	}
}
