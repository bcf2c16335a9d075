package blob

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestMediaPolicy(t *testing.T) {
	if p := MediaPolicy("lectern", ""); p != "" {
		t.Errorf("without a secret: %s, want no policy", p)
	}
	var got any
	if err := json.Unmarshal([]byte(MediaPolicy("lectern", `s"3\cret`)), &got); err != nil {
		t.Fatal(err)
	}
	var want any
	if err := json.Unmarshal([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"CDNReadsMedia","Effect":"Allow",
		"Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::lectern/media/*"],
		"Condition":{"StringEquals":{"aws:Referer":["s\"3\\cret"]}}}]}`), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("policy %v\nwant %v", got, want)
	}
}
