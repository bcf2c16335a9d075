package courses

import (
	"reflect"
	"testing"
)

// outline builds modules from a compact description: module id → lesson
// ids, with module and lesson prerequisites.
func outline(mods [][]string, modReq, lessonReq map[string][]string) []*Module {
	var out []*Module
	for _, ls := range mods {
		m := &Module{ID: ls[0], Prerequisites: modReq[ls[0]]}
		for _, id := range ls[1:] {
			m.Lessons = append(m.Lessons, &Lesson{ID: id, ModuleID: m.ID, Prerequisites: lessonReq[id]})
		}
		out = append(out, m)
	}
	return out
}

func TestComputeProgress(t *testing.T) {
	two := [][]string{{"m1", "a", "b"}, {"m2", "c"}}
	tests := []struct {
		name      string
		modules   []*Module
		status    map[string]string
		locked    []string // lesson ids locked
		completed int
		percent   float64
	}{
		{name: "empty course", modules: nil, percent: 0},
		{name: "nothing started, no prerequisites", modules: outline(two, nil, nil)},
		{name: "lesson prerequisite not met", modules: outline(two, nil, map[string][]string{"b": {"a"}}),
			status: map[string]string{"a": InProgress}, locked: []string{"b"}},
		{name: "lesson prerequisite met", modules: outline(two, nil, map[string][]string{"b": {"a"}}),
			status: map[string]string{"a": Completed}, completed: 1, percent: 33.3},
		{name: "module prerequisite partly met", modules: outline(two, map[string][]string{"m2": {"m1"}}, nil),
			status: map[string]string{"a": Completed, "b": InProgress}, locked: []string{"c"}, completed: 1, percent: 33.3},
		{name: "module prerequisite met", modules: outline(two, map[string][]string{"m2": {"m1"}}, nil),
			status: map[string]string{"a": Completed, "b": Completed}, completed: 2, percent: 66.6},
		{name: "both kinds, lesson one unmet",
			modules: outline(two, map[string][]string{"m2": {"m1"}}, map[string][]string{"c": {"x"}}),
			status:  map[string]string{"a": Completed, "b": Completed}, locked: []string{"c"}, completed: 2, percent: 66.6},
		{name: "all completed", modules: outline(two, map[string][]string{"m2": {"m1"}}, map[string][]string{"b": {"a"}}),
			status: map[string]string{"a": Completed, "b": Completed, "c": Completed}, completed: 3, percent: 100},
		{name: "empty prerequisite module is met", modules: outline([][]string{{"m0"}, {"m1", "a"}}, map[string][]string{"m1": {"m0"}}, nil)},
		{name: "percent rounds down", modules: outline([][]string{{"m", "1", "2", "3", "4", "5", "6"}}, nil, nil),
			status: map[string]string{"1": Completed, "2": Completed, "3": Completed, "4": Completed, "5": Completed}, completed: 5, percent: 83.3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ComputeProgress(tt.modules, tt.status)
			var locked []string
			for _, l := range p.Lessons {
				if l.Locked {
					locked = append(locked, l.LessonID)
				}
				want := tt.status[l.LessonID]
				if want == "" {
					want = NotStarted
				}
				if l.Status != want {
					t.Errorf("lesson %s status %s, want %s", l.LessonID, l.Status, want)
				}
			}
			if !reflect.DeepEqual(locked, tt.locked) {
				t.Errorf("locked %v, want %v", locked, tt.locked)
			}
			if p.Completed != tt.completed || p.Percent != tt.percent {
				t.Errorf("completed %d, percent %v; want %d, %v", p.Completed, p.Percent, tt.completed, tt.percent)
			}
		})
	}
}

func TestPrerequisiteCycle(t *testing.T) {
	two := [][]string{{"m1", "a", "b"}, {"m2", "c"}}
	tests := []struct {
		name    string
		modules []*Module
		cycle   bool
	}{
		{name: "none", modules: outline(two, nil, nil)},
		{name: "chain", modules: outline(two, map[string][]string{"m2": {"m1"}}, map[string][]string{"b": {"a"}, "c": {"b"}})},
		{name: "lessons", modules: outline(two, nil, map[string][]string{"a": {"b"}, "b": {"a"}}), cycle: true},
		{name: "lessons across modules", modules: outline(two, nil, map[string][]string{"a": {"c"}, "c": {"b"}, "b": {"a"}}), cycle: true},
		{name: "modules", modules: outline(two, map[string][]string{"m1": {"m2"}, "m2": {"m1"}}, nil), cycle: true},
		{name: "empty modules", modules: outline([][]string{{"x"}, {"y"}}, map[string][]string{"x": {"y"}, "y": {"x"}}, nil), cycle: true},
		{name: "lesson waits for its own module", modules: outline(two, map[string][]string{"m2": {"m1"}}, map[string][]string{"a": {"c"}}), cycle: true},
		{name: "lesson in required module waits for dependant", modules: outline(two, map[string][]string{"m2": {"m1"}}, map[string][]string{"b": {"c"}}), cycle: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := prerequisiteCycle(tt.modules); got != tt.cycle {
				t.Errorf("cycle = %v, want %v", got, tt.cycle)
			}
		})
	}
}

func TestRenderMarkdownSanitises(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"markdown", "# Hi\n\nsome **bold** and `code`", "<h1>Hi</h1>\n<p>some <strong>bold</strong> and <code>code</code></p>\n"},
		{"raw html block dropped", "<script>alert(1)</script>\n\nok", "\n<p>ok</p>\n"},
		{"inline html dropped", "a <img src=x onerror=alert(1)> b", "<p>a  b</p>\n"},
		{"script link", "[x](javascript:alert(1))", "<p>x</p>\n"},
		{"table (GFM)", "| a |\n|---|\n| 1 |", "<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n</tr>\n</tbody>\n</table>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := renderMarkdown(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
