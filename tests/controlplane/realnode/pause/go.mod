module github.com/kubectl-initdoctor/realnode-pause

go 1.26
