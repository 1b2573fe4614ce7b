/**
 * The GraphQL documents the service sends to GitHub. Where GitHub's own CLI was recorded sending
 * one (../shared/fixtures/github_graphql/, copied to tests/fixtures/github_graphql/), the document
 * is that recorded text, byte for byte: GitHub accepted it and the recorded answer is the shape
 * parsed here. The others are written against GitHub's schema (@octokit/graphql-schema), which the
 * tests' fake server validates every document against.
 */

// ---- Recorded (GitHub CLI 2.89.0) ----

/** The issue or pull request of a number: its node id, kind, title and state (gh issue close). */
export const IssueByNumber = `
	query IssueByNumber($owner: String!, $repo: String!, $number: Int!) {
		repository(owner: $owner, name: $repo) {
			hasIssuesEnabled
			issue: issueOrPullRequest(number: $number) {
				__typename
				...on Issue{id,number,title,state}
				...on PullRequest{id,number,title,state}
			}
		}
	}`;

/** Closes an issue, with a reason (gh issue close). */
export const IssueClose = `mutation IssueClose($input:CloseIssueInput!){closeIssue(input: $input){issue{id}}}`;

/** A pull request of a number: its node id, state and head branch (gh pr close). */
export const PullRequestByNumber = `
	query PullRequestByNumber($owner: String!, $repo: String!, $pr_number: Int!) {
		repository(owner: $owner, name: $repo) {
			pullRequest(number: $pr_number) {state,number,title,isCrossRepository,headRefName,id}
		}
	}`;

/** Closes a pull request (gh pr close). */
export const PullRequestClose = `mutation PullRequestClose($input:ClosePullRequestInput!){closePullRequest(input: $input){pullRequest{id}}}`;

/** A repository’s node id before an issue is created in it (gh issue create). */
export const IssueRepositoryInfo = `
	query IssueRepositoryInfo($owner: String!, $name: String!) {
		repository(owner: $owner, name: $name) {
			id
			name
			owner { login }
			hasIssuesEnabled
			viewerPermission
		}
	}`;

/** Creates an issue (gh issue create). */
export const IssueCreate = `
	mutation IssueCreate($input: CreateIssueInput!) {
		createIssue(input: $input) {
			issue {
				id
				url
			}
		}
	}`;

/** A repository’s node id, default branch and merge settings (gh pr create). */
export const RepositoryInfo = `
	fragment repo on Repository {
		id
		name
		owner { login }
		hasIssuesEnabled
		description
		hasWikiEnabled
		viewerPermission
		defaultBranchRef {
			name
		}
	}

	query RepositoryInfo($owner: String!, $name: String!) {
		repository(owner: $owner, name: $name) {
			...repo
			parent {
				...repo
			}
			mergeCommitAllowed
			rebaseMergeAllowed
			squashMergeAllowed
		}
	}`;

/** The open pull requests of a head branch, and the default branch (gh pr create). */
export const PullRequestForBranch = `
	query PullRequestForBranch($owner: String!, $repo: String!, $headRefName: String!, $states: [PullRequestState!]) {
		repository(owner: $owner, name: $repo) {
			pullRequests(headRefName: $headRefName, states: $states, first: 30, orderBy: { field: CREATED_AT, direction: DESC }) {
				nodes {url,id,number,state,baseRefName,headRefName,isCrossRepository,headRepositoryOwner{id,login,...on User{name}}}
			}
			defaultBranchRef { name }
		}
	}`;

/** Creates a pull request (gh pr create). */
export const PullRequestCreate = `
		mutation PullRequestCreate($input: CreatePullRequestInput!) {
			createPullRequest(input: $input) {
				pullRequest {
					id
					url
				}
			}
	}`;

/** Comments on an issue or pull request (gh issue comment; the recorded request of fixtures/github_graphql/addComment.mock.json). */
export const CommentCreate = `mutation CommentCreate($input:AddCommentInput!){addComment(input: $input){commentEdge{node{url}}}}`;

/** A page of a repository’s issues, newest first, by state (gh issue list; with labels the service searches, as gh does). */
export const IssueList = `fragment issue on Issue {number,title,url,state,updatedAt,labels(first:100){nodes{id,name,description,color},totalCount},stateReason}
	query IssueList($owner: String!, $repo: String!, $limit: Int, $endCursor: String, $states: [IssueState!] = OPEN, $assignee: String, $author: String, $mention: String) {
		repository(owner: $owner, name: $repo) {
			hasIssuesEnabled
			issues(first: $limit, after: $endCursor, orderBy: {field: CREATED_AT, direction: DESC}, states: $states, filterBy: {assignee: $assignee, createdBy: $author, mentioned: $mention}) {
				totalCount
				nodes {
					...issue
				}
				pageInfo {
					hasNextPage
					endCursor
				}
			}
		}
	}
	`;

// ---- Written against the schema ----

const itemFields = "number title url state updatedAt labels(first: 100) { nodes { name } }";
const pullFields = "isDraft headRefName baseRefName";

/** A search of issues and pull requests (GitHub's search syntax: repo:, is:, label:, …). */
export const IssueSearch = `query IssueSearch($searchQuery: String!, $first: Int!, $after: String) {
  search(query: $searchQuery, type: ISSUE, first: $first, after: $after) {
    issueCount
    nodes {
      __typename
      ... on Issue { ${itemFields} stateReason repository { nameWithOwner } }
      ... on PullRequest { ${itemFields} ${pullFields} repository { nameWithOwner } }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** A page of a repository's pull requests, newest first. */
export const PullRequestList = `query PullRequestList($owner: String!, $repo: String!, $limit: Int!, $endCursor: String, $states: [PullRequestState!]) {
  repository(owner: $owner, name: $repo) {
    pullRequests(first: $limit, after: $endCursor, states: $states, orderBy: { field: CREATED_AT, direction: DESC }) {
      totalCount
      nodes { ${itemFields} ${pullFields} }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

const detailFields = `id number title body url state createdAt updatedAt closedAt author { login }
        labels(first: 100) { nodes { name } }
        comments(last: $comments) { totalCount nodes { id url body createdAt author { login } } }`;

/** An issue or pull request with its body and its latest comments. */
export const IssueWithComments = `query IssueWithComments($owner: String!, $repo: String!, $number: Int!, $comments: Int!) {
  repository(owner: $owner, name: $repo) {
    issue: issueOrPullRequest(number: $number) {
      __typename
      ... on Issue { ${detailFields} stateReason }
      ... on PullRequest { ${detailFields} ${pullFields} merged mergedAt }
    }
  }
}`;

/** Reopens a closed issue. */
export const IssueReopen = `mutation IssueReopen($input: ReopenIssueInput!) {
  reopenIssue(input: $input) { issue { id state } }
}`;

/** Reopens a closed (not merged) pull request. */
export const PullRequestReopen = `mutation PullRequestReopen($input: ReopenPullRequestInput!) {
  reopenPullRequest(input: $input) { pullRequest { id state } }
}`;

/** A user's node id, for review requests. */
export const UserByLogin = `query UserByLogin($login: String!) {
  user(login: $login) { id login }
}`;

/** A label's node id, by its name in a repository. */
export const LabelByName = `query LabelByName($owner: String!, $repo: String!, $label: String!) {
  repository(owner: $owner, name: $repo) { label(name: $label) { id name } }
}`;

/** Adds labels to an issue or pull request; answers with all of its labels. */
export const LabelsAdd = `mutation LabelsAdd($input: AddLabelsToLabelableInput!) {
  addLabelsToLabelable(input: $input) { labelable { labels(first: 100) { nodes { name } } } }
}`;

/** Requests reviews of a pull request (added to the reviewers already asked). */
export const ReviewsRequest = `mutation ReviewsRequest($input: RequestReviewsInput!) {
  requestReviews(input: $input) {
    pullRequest {
      reviewRequests(first: 100) {
        nodes { requestedReviewer { __typename ... on User { login } ... on Bot { login } ... on Mannequin { login } ... on Team { slug } } }
      }
    }
  }
}`;

/** Merges a pull request by a method (MERGE, SQUASH, REBASE). */
export const PullRequestMerge = `mutation PullRequestMerge($input: MergePullRequestInput!) {
  mergePullRequest(input: $input) { pullRequest { state merged mergedAt mergeCommit { oid } } }
}`;
