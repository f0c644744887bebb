//! The one way ocgen prints a table: columns two spaces apart, each as wide
//! as its widest cell (or a minimum, so that a column of ports keeps its
//! width whatever the numbers), the last cell never padded.

/// How a column lines up its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// Padded on the right.
    Left,
    /// Padded on the left (numbers).
    Right,
}

/// A table: a header, if any, is its first row.
#[derive(Debug)]
pub(crate) struct Table {
    columns: Vec<(Align, usize)>,
    indent: &'static str,
    rows: Vec<Vec<String>>,
}

/// Space between two columns.
const GAP: &str = "  ";

impl Table {
    /// A table whose columns line up and are at least as wide as given.
    pub(crate) fn new(columns: &[(Align, usize)]) -> Self {
        Table {
            columns: columns.to_vec(),
            indent: "",
            rows: Vec::new(),
        }
    }

    /// Left-aligned columns as wide as their cells.
    pub(crate) fn plain(columns: usize) -> Self {
        Self::new(&vec![(Align::Left, 0); columns])
    }

    /// Every line starts with `indent`.
    #[must_use]
    pub(crate) fn indent(mut self, indent: &'static str) -> Self {
        self.indent = indent;
        self
    }

    /// Adds a row, one cell per column.
    pub(crate) fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// The lines, each ending in a newline.
    pub(crate) fn render(&self) -> String {
        let mut width: Vec<usize> = self.columns.iter().map(|c| c.1).collect();
        for row in &self.rows {
            for (w, cell) in width.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut s = String::new();
        for row in &self.rows {
            s.push_str(self.indent);
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    s.push_str(GAP);
                }
                let pad = width
                    .get(i)
                    .map_or(0, |w| w.saturating_sub(cell.chars().count()));
                match self.columns.get(i).map_or(Align::Left, |c| c.0) {
                    Align::Right => {
                        s.push_str(&" ".repeat(pad));
                        s.push_str(cell);
                    }
                    Align::Left => {
                        s.push_str(cell);
                        if i + 1 < row.len() {
                            s.push_str(&" ".repeat(pad));
                        }
                    }
                }
            }
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_the_last_cell_is_not_padded() {
        let mut t = Table::new(&[(Align::Left, 0), (Align::Right, 5), (Align::Left, 0)]);
        t.row(["NAME", "PORT", "NOTE"]);
        t.row(["main", "18789", "ok"]);
        t.row(["rescue-bot", "80", ""]);
        assert_eq!(
            t.render(),
            "NAME         PORT  NOTE\nmain        18789  ok\nrescue-bot     80  \n"
        );
    }

    #[test]
    fn widths_count_characters_and_indent_starts_each_line() {
        let mut t = Table::plain(2).indent("  ");
        t.row(["é", "x"]);
        t.row(["ab", "y"]);
        assert_eq!(t.render(), "  é   x\n  ab  y\n");
        assert!(Table::plain(1).render().is_empty());
    }
}
