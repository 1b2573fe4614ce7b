import { graphql } from "../../gql";

export const NotificationFields = graphql(`
  fragment NotificationFields on Notification {
    id
    seq
    event
    title
    body
    createdAt
    taskId
    readAt
  }
`);

export const NotificationsPageDoc = graphql(`
  query NotificationsPage($after: String, $unreadOnly: Boolean) {
    notifications(first: 20, after: $after, unreadOnly: $unreadOnly) {
      totalCount
      edges {
        node {
          ...NotificationFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const NotificationsHeadDoc = graphql(`
  query NotificationsHead {
    unreadNotificationCount
    notifications(first: 1) {
      edges {
        node {
          id
          seq
        }
      }
    }
  }
`);

export const NotificationsLiveDoc = graphql(`
  subscription NotificationsLive($afterSeq: Int) {
    notificationAdded(afterSeq: $afterSeq) {
      ...NotificationFields
    }
  }
`);

export const MarkReadDoc = graphql(`
  mutation MarkRead($ids: [ID!], $all: Boolean) {
    markNotificationsRead(ids: $ids, all: $all)
  }
`);

export const MySubscriptionsDoc = graphql(`
  query MySubscriptions {
    notificationSubscriptions(first: 100) {
      totalCount
      edges {
        node {
          id
          channel
          address
          events
          createdAt
          filter {
            agentId
            taskId
            minPriority
          }
        }
      }
    }
  }
`);

export const SubscribeDoc = graphql(`
  mutation SubscribeView($input: SubscribeNotificationsInput!) {
    subscribeNotifications(input: $input) {
      id
      channel
      address
      events
    }
  }
`);

export const UnsubscribeDoc = graphql(`
  mutation UnsubscribeView($id: ID!) {
    unsubscribeNotifications(id: $id) {
      id
    }
  }
`);
