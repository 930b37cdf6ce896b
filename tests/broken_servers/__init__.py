"""Small servers for the contract suite's own tests: correct by default, with one defect planted on demand."""
