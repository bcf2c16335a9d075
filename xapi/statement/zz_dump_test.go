package statement

import (
	"fmt"
	"strings"
	"testing"
)

func TestZZDump(t *testing.T) {
	for _, s := range []string{``, "  \n", `{} {}`, `{"a": [1, 2`, `{"a" 1}`, `{"a": 1,}`, `{'a': 1}`, `{"actor": {"mbox": 1, "mbox": 2}}`, strings.Repeat("[", 600), `[1 2]`, `{"a":1}]`, `nul`} {
		_, err := Decode([]byte(s))
		fmt.Printf("%-40.40q => %v\n", s, err)
	}
	for _, v := range []Version{V103, V200} {
		_, err := ParseTimestamp("2008-09-15T15:53:00.601-00:00", v)
		fmt.Println(err)
		_, err = ParseTimestamp("x", v)
		fmt.Println(err)
	}
	fmt.Println(Validate(edited(t, minimal, set("actor.member", `[]`), set("context.contextAgents", `[]`)), V103))
	fmt.Println(Validate(edited(t, minimal, remove("actor.mbox")), V103))
	fmt.Println(Validate(edited(t, minimal, set("result.score", `{"raw": 1e400}`)), V103))
	fmt.Println(Validate(edited(t, minimal, set("result.score", `{"raw": 7, "max": 5}`)), V103))
	fmt.Println(Validate(edited(t, minimal, set("attachments", `[{"usageType": "http://adlnet.gov/expapi/attachments/signature", "display": {"en-US": "x"}, "contentType": "text/plain", "length": 27.5, "sha2": "x"}]`)), V103))
	fmt.Println(Validate(edited(t, minimal, set("object.definition", `{"interactionType": "likert", "choices": []}`)), V103))
}
